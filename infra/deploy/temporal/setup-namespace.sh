#!/bin/sh
# One-shot job (in the temporalio/admin-tools image): creates the namespace the Changelogs processes use and the
# Keyword search attributes every crawl carries (Registry, Package, Version, Outcome), so the Temporal UI can filter
# crawls by them. Safe on every start: an existing namespace or attribute is left as it is.
# Reads TEMPORAL_ADDRESS (host:port of the frontend), TEMPORAL_NAMESPACE, and TEMPORAL_RETENTION: how long the
# histories of closed workflows are kept, set only when the namespace is created. Three days by default: every crawl
# is a workflow, and at 20 crawls a second each day of retention keeps 1.7 million histories in Postgres, while the
# results themselves live in the Changelogs event log.
set -eu
: "${TEMPORAL_ADDRESS:?host:port of the Temporal frontend}" "${TEMPORAL_NAMESPACE:?the namespace to create}"
retention=${TEMPORAL_RETENTION:-72h}
deadline=$(($(date +%s) + ${SETUP_TIMEOUT_SECONDS:-180}))

# Runs the command until it succeeds or fails with an error matching the pattern, which means it was done before.
# The frontend refuses calls while it starts and learns of a new namespace only at its next cache refresh, so any
# other failure is retried until the deadline.
until_done() { # <pattern of the error meaning "done before"> <command...>
  done_before=$1
  shift
  while :; do
    if output=$("$@" 2>&1); then
      printf '%s\n' "$output"
      return 0
    fi
    if printf '%s\n' "$output" | grep -Eq "$done_before"; then
      printf 'done before: %s\n' "$output"
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      printf '%s\ngave up after %ss: %s\n' "$output" "${SETUP_TIMEOUT_SECONDS:-180}" "$*" >&2
      return 1
    fi
    sleep 2
  done
}

until_done 'Namespace .*already exists' \
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" --retention "$retention"

# The frontend skips an attribute that exists with the same type (or, with Elasticsearch visibility, answers that
# it exists). One that exists with another type fails ("already exists and has different type"), and stays failed.
until_done '^Search attribute [A-Za-z]+ already exists\.$' \
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" \
    --name Registry --type Keyword \
    --name Package --type Keyword \
    --name Version --type Keyword \
    --name Outcome --type Keyword
