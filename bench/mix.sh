#!/usr/bin/env bash
# Realistic-mix relay benchmark (bench/relaymix_test.go), in one run with the
# systems alternating: the limit (straight into Postfix's smtp-sink),
# mailward with every detector on (and clamd when installed) and Postfix
# (configured in a temp folder, root only) relaying into the same smtp-sink.
# Loads: 5 KB, 50 KB and 1 MB (smtp-source), and the mix of legitimate mail
# from ../shared/corpora/ham with generated docx/xlsx/pdf/zip attachments.
# Prints rate, ratio to the limit, Postfix's rate, mailward's peak RSS and
# the CPU per message of mailward and clamd.
#
#   bench/mix.sh                      # needs postfix (smtp-source, smtp-sink)
#   ROUNDS=5 SESSIONS=20 MIX=600 N1M=100 bench/mix.sh
#   CLAMD=0 POSTFIX=0 bench/mix.sh    # without clamd, without Postfix
set -euo pipefail
cd "$(dirname "$0")/.."
MAILWARD_BENCH=1 exec go test ./bench/ -run 'RelayMix$' -v -count=1 -timeout 60m
