"""The seven sample scenarios: who asked what, which tools ran with which results and how long
everything took. Read by make_samples.py."""

ACCOUNT_TOOLS = [
    {
        "name": "deposit",
        "description": "Credit an amount to a customer account and return the previous and new balance.",
        "parameters": {
            "type": "object",
            "properties": {
                "account_id": {"type": "string", "description": "Account id, e.g. ACC-1001"},
                "amount": {"type": "number", "description": "Amount in USD, positive"},
                "memo": {"type": "string"},
            },
            "required": ["account_id", "amount"],
        },
    },
    {
        "name": "get_balance",
        "description": "Read the current balance of a customer account.",
        "parameters": {
            "type": "object",
            "properties": {"account_id": {"type": "string"}},
            "required": ["account_id"],
        },
    },
]

BILLING_SYSTEM = (
    "You are a billing assistant for Northwind Bank support staff. Use the tools to change and "
    "inspect customer accounts. Call independent tools in parallel when possible."
)

RW = lambda r: [{"resource": r, "mode": "read_write"}]
R = lambda r: [{"resource": r, "mode": "read"}]
W = lambda r: [{"resource": r, "mode": "write"}]

SCENARIOS = [
    {
        "name": "read_only_batch",
        "summary": "Three independent reads in one parallel batch; nothing is shared, the answer is right.",
        "trace_id": "4f1c9a27d3e84b06a5c2e917b08d3f61",
        "start": "2026-11-02T08:14:31.207Z",
        "service": "travel-desk",
        "service_version": "2.3.0",
        "scope": "travel_desk.agent",
        "agent": "travel-assistant",
        "conversation": "conv_5b1e0a7c",
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "response_model": "gpt-4.1-mini-2025-04-14",
        "native_times": "rfc3339",
        "system": "You help employees plan business trips. Use the tools; call independent tools in parallel.",
        "user": "I land in Lisbon tomorrow morning. What's the weather there, what time is it there right now, and what does the travel policy say about the per-diem in Portugal?",
        "tools": [
            {
                "name": "get_weather",
                "description": "Current weather and today's forecast for a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
            {
                "name": "get_time",
                "description": "Current local time in an IANA time zone.",
                "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]},
            },
            {
                "name": "search_docs",
                "description": "Full-text search over the company handbook and travel policy; returns the best passages.",
                "parameters": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}, "top_k": {"type": "integer", "default": 3}},
                    "required": ["query"],
                },
            },
        ],
        "turns": [
            {
                "dur_us": 612_400,
                "tokens": (214, 71),
                "response_id": "chatcmpl-Cb7Qm2rXo1tT9kLw3ZfV8nHs4YdP",
                "calls": [
                    {
                        "id": "call_Vt2mQx8LrN4bWc7KpZ1aHd3s",
                        "name": "get_weather",
                        "args": {"city": "Lisbon"},
                        "result": {"city": "Lisbon", "temperature_c": 17, "conditions": "light rain", "forecast": "showers clearing by 15:00, high 19 C"},
                        "start_us": 410,
                        "dur_us": 231_800,
                        "accesses": R("api:weather/lisbon"),
                    },
                    {
                        "id": "call_8Jf3kPq0TzY6nRm2XbE5uGw9",
                        "name": "get_time",
                        "args": {"timezone": "Europe/Lisbon"},
                        "result": {"timezone": "Europe/Lisbon", "local_time": "2026-11-02T08:14:31+00:00", "utc_offset": "+00:00"},
                        "start_us": 520,
                        "dur_us": 3_900,
                    },
                    {
                        "id": "call_Hn6Ds1Wq4Lc9Ma0VtK7eRb2Y",
                        "name": "search_docs",
                        "args": {"query": "per diem Portugal travel policy", "top_k": 2},
                        "result": {
                            "hits": [
                                {"doc": "travel-policy.md#per-diem", "score": 0.91, "text": "Portugal: EUR 62 per day for meals and incidentals; lodging booked through the travel desk."},
                                {"doc": "travel-policy.md#receipts", "score": 0.58, "text": "Keep receipts above EUR 25."},
                            ]
                        },
                        "start_us": 640,
                        "dur_us": 187_300,
                        "accesses": R("docs:travel-policy"),
                    },
                ],
            },
            {
                "dur_us": 1_204_900,
                "tokens": (497, 88),
                "response_id": "chatcmpl-Cb7QnA4wZs0hY2eQk8Xj5cRt1MvL",
                "text": "In Lisbon it is 08:14 right now (UTC+0). It's 17 C with light rain, clearing by 15:00 with a high of 19 C. The travel policy gives a per-diem of EUR 62 a day in Portugal for meals and incidentals; book lodging through the travel desk and keep receipts above EUR 25.",
            },
        ],
        "conflicts": [],
        "final_correct": True,
        "should_say": "what it says: every fact comes from an independent read",
        "culprit": None,
    },
    {
        "name": "lost_update",
        "summary": "Two deposits on the same account run concurrently; both read 100, the last write wins, the answer says 120 instead of 130.",
        "trace_id": "9b2e7d4c1a0f48e3b6d5c8a7f1e2d3c4",
        "start": "2026-11-03T14:22:05.153Z",
        "service": "billing-agent-svc",
        "service_version": "1.8.2",
        "scope": "billing_agent.runner",
        "agent": "billing-agent",
        "conversation": "conv_a91d4e22",
        "provider": "openai",
        "model": "gpt-4.1",
        "response_model": "gpt-4.1-2025-04-14",
        "native_times": "nanos",
        "system": BILLING_SYSTEM,
        "user": "Customer ACC-1001 is owed a $10 refund (ticket R-311) and a $20 goodwill credit. Apply both, then tell me the resulting balance.",
        "tools": ACCOUNT_TOOLS,
        "turns": [
            {
                "dur_us": 843_200,
                "tokens": (268, 94),
                "response_id": "chatcmpl-Cc1Xe7uPq3Rn0Wd5Tb2Ks9Lm4HyZ",
                "calls": [
                    {
                        "id": "call_kR7pW2nXq9Lm4Ts1Vb8Yc3Hd",
                        "name": "deposit",
                        "args": {"account_id": "ACC-1001", "amount": 10, "memo": "refund R-311"},
                        "result": {"account_id": "ACC-1001", "amount": 10, "previous_balance": 100, "new_balance": 110},
                        "start_us": 820,
                        "dur_us": 141_600,
                        "accesses": RW("account:ACC-1001"),
                    },
                    {
                        "id": "call_Zf4Gm8Qa1Np6Xe3Rt0Wc5Ks2",
                        "name": "deposit",
                        "args": {"account_id": "ACC-1001", "amount": 20, "memo": "goodwill credit"},
                        "result": {"account_id": "ACC-1001", "amount": 20, "previous_balance": 100, "new_balance": 120},
                        "start_us": 1_090,
                        "dur_us": 163_900,
                        "accesses": RW("account:ACC-1001"),
                    },
                ],
            },
            {
                "dur_us": 1_031_700,
                "tokens": (431, 52),
                "response_id": "chatcmpl-Cc1XfB8vLr2Mn6Yq0Ts4Kd7Wp1Je",
                "text": "Done. I applied the $10 refund (R-311) and the $20 goodwill credit to ACC-1001. The account balance is now $120.",
            },
        ],
        "conflicts": [
            {
                "kind": "shared_state_mutation",
                "batch": "b1",
                "resource": "account:acc-1001",
                "calls": ["call_kR7pW2nXq9Lm4Ts1Vb8Yc3Hd", "call_Zf4Gm8Qa1Np6Xe3Rt0Wc5Ks2"],
                "severity": "observed",
                "evidence": "both results report previous_balance 100; the executions overlap",
            }
        ],
        "final_correct": False,
        "should_say": "balance $130",
        "culprit": "b1",
        "why_path": ["call_Zf4Gm8Qa1Np6Xe3Rt0Wc5Ks2"],
    },
    {
        "name": "context_dependency",
        "summary": "set_preference(EUR) and quote_cart run together; the quote reads the session's currency before it is set and prices in USD.",
        "trace_id": "c7a3e1f09d2b4c58a6e4b2d1f0c9e8a7",
        "start": "2026-11-04T19:05:48.622Z",
        "service": "shop-assistant",
        "service_version": "0.9.14",
        "scope": "shop_assistant.tools",
        "agent": "shop-assistant",
        "conversation": "conv_77f0b3d9",
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "response_model": "claude-sonnet-4-5-20250929",
        "native_times": "rfc3339",
        "system": "You are the storefront assistant. The session id of the current shopper is sess_9c41e2. Call independent tools in parallel.",
        "user": "Please switch my currency to euros and tell me what my cart comes to.",
        "tools": [
            {
                "name": "set_preference",
                "description": "Store a shopper preference (e.g. preferred_currency, language) in the session context.",
                "parameters": {
                    "type": "object",
                    "properties": {"session_id": {"type": "string"}, "key": {"type": "string"}, "value": {"type": "string"}},
                    "required": ["session_id", "key", "value"],
                },
            },
            {
                "name": "quote_cart",
                "description": "Price the shopper's cart, in the session's preferred currency (USD if none is set).",
                "parameters": {"type": "object", "properties": {"session_id": {"type": "string"}}, "required": ["session_id"]},
            },
        ],
        "turns": [
            {
                "dur_us": 1_377_500,
                "tokens": (612, 118),
                "response_id": "msg_01HqT5vXc8WnR2yLk4Pz9Jd3",
                "calls": [
                    {
                        "id": "toolu_01A7xKq3Vn9Rw2Lt5Hc8Ym4B",
                        "name": "set_preference",
                        "args": {"session_id": "sess_9c41e2", "key": "preferred_currency", "value": "EUR"},
                        "result": {"session_id": "sess_9c41e2", "key": "preferred_currency", "value": "EUR", "previous_value": None},
                        "start_us": 380,
                        "dur_us": 88_200,
                        "accesses": W("session:sess_9c41e2"),
                    },
                    {
                        "id": "toolu_01Ps4Dm8Gz1Yb6Kw3Qr7Tn0F",
                        "name": "quote_cart",
                        "args": {"session_id": "sess_9c41e2"},
                        "result": {
                            "session_id": "sess_9c41e2",
                            "currency": "USD",
                            "currency_source": "default",
                            "items": [
                                {"sku": "MUG-ST-12", "qty": 2, "unit_price": 24.0},
                                {"sku": "BEANS-ETH-1KG", "qty": 1, "unit_price": 136.5},
                            ],
                            "total": 184.5,
                        },
                        "start_us": 610,
                        "dur_us": 60_400,
                        "accesses": R("session:sess_9c41e2"),
                    },
                ],
            },
            {
                "dur_us": 1_862_300,
                "tokens": (958, 74),
                "response_id": "msg_01Kc2Wn7Rz4Xv9Qm1Ls6Hd8T",
                "text": "Your preferred currency is now set to euros. Your cart (2 x stoneware mug, 1 kg Ethiopian beans) comes to 184.50 EUR.",
            },
        ],
        "conflicts": [
            {
                "kind": "context_dependency",
                "batch": "b1",
                "resource": "session:sess_9c41e2",
                "calls": ["toolu_01A7xKq3Vn9Rw2Lt5Hc8Ym4B", "toolu_01Ps4Dm8Gz1Yb6Kw3Qr7Tn0F"],
                "severity": "observed",
                "evidence": "quote_cart read the session's currency (currency_source default, USD) while set_preference was writing EUR; the executions overlap",
            }
        ],
        "final_correct": False,
        "should_say": "the cart priced in EUR (the 184.50 total is in USD)",
        "culprit": "b1",
        "why_path": ["toolu_01Ps4Dm8Gz1Yb6Kw3Qr7Tn0F"],
    },
    {
        "name": "timing_dependency",
        "summary": "create_session and add_to_session run together; the add runs before the session exists and fails.",
        "trace_id": "1d8f6b3a2c9e47d5b0a1f4e7c3d6b9a2",
        "start": "2026-11-05T11:37:09.904Z",
        "service": "cart-service-agent",
        "service_version": "3.1.0",
        "scope": "cart_agent",
        "agent": "cart-agent",
        "conversation": "conv_c02e81f4",
        "provider": "openai",
        "model": "gpt-4o",
        "response_model": "gpt-4o-2024-11-20",
        "native_times": "rfc3339",
        "system": "You manage shopping carts for shopper u_2231. New carts use the id cart-<4 digits>. Call independent tools in parallel.",
        "user": "Start a new cart for me and put one Baratza Encore grinder in it.",
        "tools": [
            {
                "name": "create_session",
                "description": "Create a new cart session with the given id for a shopper.",
                "parameters": {
                    "type": "object",
                    "properties": {"session_id": {"type": "string"}, "user_id": {"type": "string"}},
                    "required": ["session_id", "user_id"],
                },
            },
            {
                "name": "add_to_session",
                "description": "Add an item to an existing cart session.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "session_id": {"type": "string"},
                        "item": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}},
                    },
                    "required": ["session_id", "item"],
                },
            },
        ],
        "turns": [
            {
                "dur_us": 731_900,
                "tokens": (305, 83),
                "response_id": "chatcmpl-Cd9Lp3Wz7Tn1Qk5Rx0Vb2Ym8HsE",
                "calls": [
                    {
                        "id": "call_Qw3Er5Ty7Ui9Op1As2Df4Gh6",
                        "name": "create_session",
                        "args": {"session_id": "cart-4471", "user_id": "u_2231"},
                        "result": {"session_id": "cart-4471", "user_id": "u_2231", "created": True, "items": []},
                        "start_us": 490,
                        "dur_us": 95_300,
                        "accesses": W("session:cart-4471"),
                    },
                    {
                        "id": "call_Lk8Jh6Gf4Ds2Az0Xc9Vb7Nm5",
                        "name": "add_to_session",
                        "args": {"session_id": "cart-4471", "item": {"sku": "BRZ-ENC-01", "qty": 1}},
                        "error": {"type": "SessionNotFoundError", "message": "session cart-4471 does not exist"},
                        "start_us": 700,
                        "dur_us": 11_600,
                        "accesses": RW("session:cart-4471"),
                    },
                ],
            },
            {
                "dur_us": 1_118_400,
                "tokens": (472, 61),
                "response_id": "chatcmpl-Cd9LqF2xN8Wr4Ty6Ub1Zk3Pm9Jc",
                "text": "I've opened cart cart-4471 for you, but the grinder could not be added: the cart service reported that the cart does not exist. It looks like a temporary glitch; please try adding it again.",
            },
        ],
        "conflicts": [
            {
                "kind": "execution_timing_dependency",
                "batch": "b1",
                "resource": "session:cart-4471",
                "calls": ["call_Qw3Er5Ty7Ui9Op1As2Df4Gh6", "call_Lk8Jh6Gf4Ds2Az0Xc9Vb7Nm5"],
                "severity": "observed",
                "evidence": "add_to_session failed with SessionNotFoundError while create_session of the same session was still running",
            }
        ],
        "final_correct": False,
        "should_say": "a cart cart-4471 holding one BRZ-ENC-01 (the add failed only because it ran before the create; it is not a glitch)",
        "culprit": "b1",
        "why_path": ["call_Lk8Jh6Gf4Ds2Az0Xc9Vb7Nm5"],
    },
    {
        "name": "customer_orders",
        "summary": "get_customer_id and get_recent_orders in one batch; the order lookup runs with a guessed id and finds nothing.",
        "trace_id": "e5b9d2c7a4f1463e8d0b7c6a5f4e3d21",
        "start": "2026-11-06T16:48:22.318Z",
        "service": "support-copilot",
        "service_version": "5.0.3",
        "scope": "support_copilot.agent",
        "agent": "support-agent",
        "conversation": "conv_3e6f9a10",
        "provider": "openai",
        "model": "gpt-4.1",
        "response_model": "gpt-4.1-2025-04-14",
        "native_times": "rfc3339",
        "system": "You are a support copilot. Look customers up by email, then answer questions about their orders. Call tools in parallel when you can.",
        "user": "What did jane.doe@example.com order recently?",
        "tools": [
            {
                "name": "get_customer_id",
                "description": "Find the customer id (CUST-nnnnn) for an email address.",
                "parameters": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
            },
            {
                "name": "get_recent_orders",
                "description": "List a customer's orders from the last 90 days, newest first.",
                "parameters": {"type": "object", "properties": {"customer_id": {"type": "string"}}, "required": ["customer_id"]},
            },
        ],
        "turns": [
            {
                "dur_us": 902_600,
                "tokens": (241, 67),
                "response_id": "chatcmpl-Ce4Tn8Rk2Wq6Yp0Lx3Vz7Mb1HdS",
                "calls": [
                    {
                        "id": "call_Ux5Yb1Nc7Rv3Te9Wq2Kp4Lm8",
                        "name": "get_customer_id",
                        "args": {"email": "jane.doe@example.com"},
                        "result": {"email": "jane.doe@example.com", "customer_id": "CUST-48213"},
                        "start_us": 300,
                        "dur_us": 119_700,
                    },
                    {
                        "id": "call_Ga2Hs6Jd0Kf4Lg8Ph3Qj7Rk1",
                        "name": "get_recent_orders",
                        "args": {"customer_id": "jane.doe@example.com"},
                        "result": {"customer_id": "jane.doe@example.com", "orders": []},
                        "start_us": 480,
                        "dur_us": 47_900,
                    },
                ],
            },
            {
                "dur_us": 986_100,
                "tokens": (402, 39),
                "response_id": "chatcmpl-Ce4To2Mx6Ns9Vr1Wk5Tq8Lb4PzF",
                "text": "Jane Doe (customer CUST-48213) has no orders in the last 90 days.",
            },
        ],
        "conflicts": [
            {
                "kind": "context_dependency",
                "batch": "b1",
                "resource": "customer:cust-48213",
                "calls": ["call_Ux5Yb1Nc7Rv3Te9Wq2Kp4Lm8", "call_Ga2Hs6Jd0Kf4Lg8Ph3Qj7Rk1"],
                "severity": "observed",
                "evidence": "get_recent_orders needs the customer_id that its sibling get_customer_id returns (CUST-48213); it ran with the email instead and found no orders",
            }
        ],
        "final_correct": False,
        "should_say": "the recent orders of CUST-48213 (the lookup never ran with that id)",
        "culprit": "b1",
        "why_path": ["call_Ga2Hs6Jd0Kf4Lg8Ph3Qj7Rk1"],
    },
    {
        "name": "multi_turn",
        "summary": "Four model calls: a safe read batch, a lost update on ACC-2002, then a payment whose amount comes from the wrong balance.",
        "trace_id": "7a6b5c4d3e2f41a0b9c8d7e6f5a4b3c2",
        "start": "2026-11-07T10:02:44.071Z",
        "service": "billing-agent-svc",
        "service_version": "1.8.2",
        "scope": "billing_agent.runner",
        "agent": "billing-agent",
        "conversation": "conv_0d4b7e95",
        "provider": "openai",
        "model": "gpt-4.1",
        "response_model": "gpt-4.1-2025-04-14",
        "native_times": "nanos",
        "system": BILLING_SYSTEM,
        "user": "ACC-2002 has two pending credits, $15 and $25. Apply them, then pay invoice INV-7781 from the account, as much as the balance allows, and tell me where things stand.",
        "tools": ACCOUNT_TOOLS
        + [
            {
                "name": "get_invoice",
                "description": "Read an invoice: amount due and status.",
                "parameters": {"type": "object", "properties": {"invoice_id": {"type": "string"}}, "required": ["invoice_id"]},
            },
            {
                "name": "pay_invoice",
                "description": "Pay an amount toward an invoice from a customer account.",
                "parameters": {
                    "type": "object",
                    "properties": {"invoice_id": {"type": "string"}, "account_id": {"type": "string"}, "amount": {"type": "number"}},
                    "required": ["invoice_id", "account_id", "amount"],
                },
            },
        ],
        "turns": [
            {
                "dur_us": 794_300,
                "tokens": (391, 72),
                "response_id": "chatcmpl-Cf2Vb6Nm0Qw4Er8Ty1Ui5Op9As",
                "calls": [
                    {
                        "id": "call_Bn3Mv7Cx1Zl5Ak9Sj2Dh6Fg0",
                        "name": "get_balance",
                        "args": {"account_id": "ACC-2002"},
                        "result": {"account_id": "ACC-2002", "balance": 100, "currency": "USD"},
                        "start_us": 350,
                        "dur_us": 38_400,
                        "accesses": R("account:ACC-2002"),
                    },
                    {
                        "id": "call_Wq9Er3Ty5Ui7Op1As4Df8Gh2",
                        "name": "get_invoice",
                        "args": {"invoice_id": "INV-7781"},
                        "result": {"invoice_id": "INV-7781", "account_id": "ACC-2002", "amount_due": 130, "status": "open"},
                        "start_us": 520,
                        "dur_us": 52_100,
                        "accesses": R("invoice:INV-7781"),
                    },
                ],
            },
            {
                "dur_us": 911_800,
                "tokens": (566, 101),
                "response_id": "chatcmpl-Cf2VcK1Lj5Hg9Fd3Sa7Qp2Wo6Ie",
                "calls": [
                    {
                        "id": "call_Px2Lo6Ki0Ju4Hy8Gt3Fr7De1",
                        "name": "deposit",
                        "args": {"account_id": "ACC-2002", "amount": 15, "memo": "pending credit 1"},
                        "result": {"account_id": "ACC-2002", "amount": 15, "previous_balance": 100, "new_balance": 115},
                        "start_us": 610,
                        "dur_us": 128_800,
                        "accesses": RW("account:ACC-2002"),
                    },
                    {
                        "id": "call_Sw5Dx9Cv3Bf7Ng1Hm4Jk8Lq2",
                        "name": "deposit",
                        "args": {"account_id": "ACC-2002", "amount": 25, "memo": "pending credit 2"},
                        "result": {"account_id": "ACC-2002", "amount": 25, "previous_balance": 100, "new_balance": 125},
                        "start_us": 830,
                        "dur_us": 152_300,
                        "accesses": RW("account:ACC-2002"),
                    },
                ],
            },
            {
                "dur_us": 688_500,
                "tokens": (781, 58),
                "response_id": "chatcmpl-Cf2VdT8Yr2Ew6Qa0Zs4Xd9Cf3Vg",
                "calls": [
                    {
                        "id": "call_Mj7Nh1Bg5Vf9Cd3Xs8Za2Qw6",
                        "name": "pay_invoice",
                        "args": {"invoice_id": "INV-7781", "account_id": "ACC-2002", "amount": 125},
                        "result": {"invoice_id": "INV-7781", "paid": 125, "remaining_due": 5, "status": "partially_paid", "account_balance": 0},
                        "start_us": 440,
                        "dur_us": 97_600,
                        "accesses": RW("account:ACC-2002") + RW("invoice:INV-7781"),
                    },
                ],
            },
            {
                "dur_us": 1_296_200,
                "tokens": (903, 77),
                "response_id": "chatcmpl-Cf2VeH5Jg9Kf3Ld7Ms1Na5Ob8Pc",
                "text": "I applied both credits to ACC-2002 ($15 and $25), which brought the balance to $125, and paid $125 toward INV-7781. The invoice is partially paid with $5 still due, and the account balance is now $0.",
            },
        ],
        "conflicts": [
            {
                "kind": "shared_state_mutation",
                "batch": "b2",
                "resource": "account:acc-2002",
                "calls": ["call_Px2Lo6Ki0Ju4Hy8Gt3Fr7De1", "call_Sw5Dx9Cv3Bf7Ng1Hm4Jk8Lq2"],
                "severity": "observed",
                "evidence": "both deposits report previous_balance 100; the executions overlap",
            }
        ],
        "final_correct": False,
        "should_say": "balance $140 after the credits, INV-7781 paid in full ($130), $10 left on the account",
        "culprit": "b2",
        "why_path": ["call_Mj7Nh1Bg5Vf9Cd3Xs8Za2Qw6", "call_Sw5Dx9Cv3Bf7Ng1Hm4Jk8Lq2"],
    },
    {
        "name": "clean_sequential",
        "summary": "The lost-update work done one deposit per model call: no parallel batch, the answer (130) is right.",
        "trace_id": "3c2b1a09f8e74d6c5b4a39281706f5e4",
        "start": "2026-11-03T14:31:52.480Z",
        "service": "billing-agent-svc",
        "service_version": "1.8.2",
        "scope": "billing_agent.runner",
        "agent": "billing-agent",
        "conversation": "conv_e8c1f536",
        "provider": "openai",
        "model": "gpt-4.1",
        "response_model": "gpt-4.1-2025-04-14",
        "native_times": "rfc3339",
        "system": BILLING_SYSTEM.replace(" Call independent tools in parallel when possible.", " Call one tool at a time."),
        "user": "Customer ACC-1001 is owed a $10 refund (ticket R-311) and a $20 goodwill credit. Apply both, then tell me the resulting balance.",
        "tools": ACCOUNT_TOOLS,
        "turns": [
            {
                "dur_us": 702_900,
                "tokens": (264, 41),
                "response_id": "chatcmpl-Cc1ZaP4oI8uY2tR6eW0qL3kJ7hG",
                "calls": [
                    {
                        "id": "call_Tb6Yn0Hm4Ju8Ik2Ol5Pq9Rs3",
                        "name": "deposit",
                        "args": {"account_id": "ACC-1001", "amount": 10, "memo": "refund R-311"},
                        "result": {"account_id": "ACC-1001", "amount": 10, "previous_balance": 100, "new_balance": 110},
                        "start_us": 760,
                        "dur_us": 139_200,
                        "accesses": RW("account:ACC-1001"),
                    }
                ],
            },
            {
                "dur_us": 655_300,
                "tokens": (352, 40),
                "response_id": "chatcmpl-Cc1ZbQ5pJ9vZ3uS7fX1rM4lK8iH",
                "calls": [
                    {
                        "id": "call_Ec7Rv1Tb5Yn9Um3Ik6Ol0Pw4",
                        "name": "deposit",
                        "args": {"account_id": "ACC-1001", "amount": 20, "memo": "goodwill credit"},
                        "result": {"account_id": "ACC-1001", "amount": 20, "previous_balance": 110, "new_balance": 130},
                        "start_us": 690,
                        "dur_us": 147_500,
                        "accesses": RW("account:ACC-1001"),
                    }
                ],
            },
            {
                "dur_us": 982_400,
                "tokens": (447, 49),
                "response_id": "chatcmpl-Cc1ZcR6qK0wA4vT8gY2sN5mL9jI",
                "text": "Done. I applied the $10 refund (R-311) and then the $20 goodwill credit to ACC-1001. The account balance is now $130.",
            },
        ],
        "conflicts": [],
        "final_correct": True,
        "should_say": "balance $130",
        "culprit": None,
    },
]
