#!/usr/bin/env bash
# Scale the Deployments and StatefulSets of the listed namespaces down to 0 before the nodes go, and back
# to exactly the replica counts they had after the nodes return. Shipped by k8s_scheduled_scaling in a
# ConfigMap and run by its CronJobs with a pinned kubectl image (service account limited to get/list/patch
# on deployments, statefulsets and their scale subresources).
#
#   scale-workloads.sh down|up
#   NAMESPACES="ns1 ns2"  (required)   SELECTOR="app.kubernetes.io/part-of=x"  (optional label selector)
#
# down: for each workload with replicas > 0, first records the count in the annotation
#       scaling.cloudops.io/recorded-replicas, then scales it to 0. A workload already at 0 keeps its
#       record, so a second scale-down in a row never overwrites the record with 0. A workload at 0
#       without a record is left alone (it was meant to be off).
# up:   for each workload with a record, scales it to the recorded count, then removes the record.
#       Workloads without a record are not touched.
# Prints one line per action; exits non-zero on the first kubectl error (the Job retries).
set -euo pipefail

ANNOTATION="scaling.cloudops.io/recorded-replicas"
action="${1:-}"
if [[ "$action" != "down" && "$action" != "up" ]]; then
  echo "usage: $0 down|up (NAMESPACES='ns1 ns2' [SELECTOR=label=value])" >&2
  exit 2
fi
if [[ -z "${NAMESPACES:-}" ]]; then
  echo "NAMESPACES is empty: nothing to scale" >&2
  exit 2
fi
KUBECTL="${KUBECTL:-kubectl}"
selector=()
if [[ -n "${SELECTOR:-}" ]]; then
  selector=(-l "$SELECTOR")
fi
template='{{range .items}}{{.metadata.name}}{{"\t"}}{{.spec.replicas}}{{"\t"}}'
template+='{{with .metadata.annotations}}{{with index . "'"$ANNOTATION"'"}}{{.}}{{end}}{{end}}{{"\n"}}{{end}}'

scale() {  # kind namespace name replicas
  "$KUBECTL" patch "$1" "$3" -n "$2" --subresource=scale --type=merge \
    -p "{\"spec\":{\"replicas\":$4}}" >/dev/null
}

for ns in $NAMESPACES; do
  for kind in deployment statefulset; do
    listing="$("$KUBECTL" get "$kind" -n "$ns" "${selector[@]}" -o go-template="$template")"
    while IFS=$'\t' read -r name replicas recorded; do
      [[ -n "$name" ]] || continue
      replicas="${replicas:-1}"
      if [[ "$action" == "down" ]]; then
        if (( replicas > 0 )); then
          "$KUBECTL" annotate "$kind" "$name" -n "$ns" --overwrite "$ANNOTATION=$replicas" >/dev/null
          scale "$kind" "$ns" "$name" 0
          echo "down $kind $ns/$name: $replicas -> 0 (recorded $replicas)"
        elif [[ -n "$recorded" ]]; then
          echo "down $kind $ns/$name: already 0, record $recorded kept"
        else
          echo "down $kind $ns/$name: 0 without a record, left alone"
        fi
      else
        if [[ -n "$recorded" ]]; then
          if ! [[ "$recorded" =~ ^[0-9]+$ ]]; then
            echo "up $kind $ns/$name: record '$recorded' is not a number" >&2
            exit 1
          fi
          scale "$kind" "$ns" "$name" "$recorded"
          "$KUBECTL" annotate "$kind" "$name" -n "$ns" "$ANNOTATION-" >/dev/null
          echo "up $kind $ns/$name: $replicas -> $recorded (record removed)"
        else
          echo "up $kind $ns/$name: no record, left at $replicas"
        fi
      fi
    done <<<"$listing"
  done
done
