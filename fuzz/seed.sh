#!/usr/bin/env bash
# Seeds fuzz/corpus/TARGET from the samples and test fixtures (small files only).
set -euo pipefail
cd "$(dirname "$0")/.."
# small DIR... -- PREDICATES: regular files under 256 KiB matching the predicates.
small() {
  local dirs=()
  while [ "$1" != -- ]; do dirs+=("$1"); shift; done
  shift
  find "${dirs[@]}" -type f -size -256k \( "$@" \) 2>/dev/null
}
seed() {
  local target=$1; shift
  mkdir -p "fuzz/corpus/$target"
  for f in "$@"; do cp -f "$f" "fuzz/corpus/$target/$(echo "$f" | tr '/' '_')"; done
}
seed otlp_json $(small sample-traces tests/fixtures -- -name '*.otlp.json*' -o -name '*.otlp.jsonl')
seed otlp_proto $(small tests/fixtures -- -name '*.pb' -o -name '*.binpb' -o -name '*.otlp.proto*')
seed native $(small sample-traces tests/fixtures -- -name '*.native.jsonl')
seed detect_gzip $(small sample-traces tests/fixtures -- -name '*.gz' -o -name '*.json' -o -name '*.jsonl' | head -40)
seed config_files $(small sample-traces tests/fixtures docs assets -- -name '*.toml')
# Config files: the first byte picks (even: catalog, odd: keymap); the catalog examples of
# docs/catalog.md and a keymap.
awk '/^```toml/{f=1; n++; next} /^```/{f=0} f {print > ("fuzz/corpus/config_files/catalog-doc-" n)}' docs/catalog.md
for f in fuzz/corpus/config_files/catalog-doc-*; do { printf '\x00'; cat "$f"; } > "$f.seed" && rm "$f"; done
printf '\x01[keys]\n"ctrl+n" = "next_finding"\n"q" = "none"\n"F5" = "reload"\n' > fuzz/corpus/config_files/keymap-seed
# Transcripts: the first byte picks the dialect (0 chat, 1 responses, 2 anthropic).
mkdir -p fuzz/corpus/transcripts
i=0
for f in $(small tests/fixtures/transcripts -- -name '*.json*'); do
  case "$f" in
    *respons*) pick='\x01' ;;
    *anthropic*|*claude*) pick='\x02' ;;
    *) pick='\x00' ;;
  esac
  { printf "$pick"; cat "$f"; } > "fuzz/corpus/transcripts/seed-$i"
  i=$((i + 1))
done
# Agent sessions: the first byte picks the agent (0 Claude Code, 1 Codex CLI, 2 Gemini CLI).
mkdir -p fuzz/corpus/agent_sessions
i=0
for f in $(small tests/fixtures/agent_sessions -- -name '*.json*'); do
  case "$f" in
    *codex*) pick='\x01' ;;
    *gemini*) pick='\x02' ;;
    *) pick='\x00' ;;
  esac
  { printf "$pick"; cat "$f"; } > "fuzz/corpus/agent_sessions/seed-$i"
  i=$((i + 1))
done
for t in otlp_json otlp_proto native detect_gzip config_files transcripts agent_sessions; do
  echo "$t: $(ls "fuzz/corpus/$t" | wc -l) seeds"
done
