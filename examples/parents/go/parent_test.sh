#!/usr/bin/env bash
# The Go example parent drives a real nsboot-embedded program: both modes,
# success and an executor failure that must arrive as a structured error.
set -uo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
export HOME="${TEST_TMPDIR}"
parent=examples/parents/go/nsboot-go-parent
host=examples/parents/host
if [[ "$(id -u)" != 0 ]]; then echo "skipped: needs root"; exit 0; fi

failures=0
own_net="$(stat -L -c %i /proc/self/ns/net)"
expect() {  # expect NAME WANT_STATUS PATTERN... -- ARGS...
  local name="$1" want="$2"; shift 2
  local patterns=()
  while [[ "$1" != "--" ]]; do patterns+=("$1"); shift; done
  shift
  local out status
  out="$("${parent}" "$@" 2>&1)"; status=$?
  local ok=1
  [[ "${status}" == "${want}" ]] || ok=0
  for p in "${patterns[@]}"; do
    grep -qE -- "${p}" <<<"${out}" || { ok=0; echo "  missing: ${p}"; }
  done
  if grep -q "main(): ns.net=${own_net}$" <<<"${out}" && [[ "${want}" == 0 ]]; then
    ok=0; echo "  main() ran in the parent's network namespace"
  fi
  if (( ok )); then echo "PASS ${name}"; else
    echo "FAIL ${name} (status ${status}, want ${want})"; echo "${out}" | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

for dialect in runc-1.1 runc-1.2; do
  expect "netlink ${dialect}" 0 '^reply: pids stage1=[0-9]+ stage2=[0-9]+$' \
    '^main\(\): hook=1$' '^main\(\): pid=1$' '^exit: program 0, stages \[0 0\]$' '^ok$' -- \
    run -mode=netlink -dialect="${dialect}" -create=mnt,uts,ipc,pid,net -oom-score-adj=5 -- "${host}"
done
expect "native" 0 '^reply: ready, schema versions \[1 2\]$' \
  '^reply: pids stage1=0 stage2=[0-9]+ pidfds=1$' '^  ns NAMESPACE_NET inode [0-9]+$' \
  '^main\(\): pid=1$' '^exit: program 0, stages \[0\]$' '^ok$' -- \
  run -mode=native -create=mnt,uts,ipc,pid,net -- "${host}"
expect "native error" 1 \
  '^error: stage PARENT, step STEP_OPEN_NAMESPACE, errno 2, code 5: open net namespace /nonexistent/ns/net: No such file or directory$' -- \
  run -mode=native -join=net:/nonexistent/ns/net -- "${host}"
# nsboot joins in stage 0 (two processes; runc's nsexec: stage 1).
expect "netlink error" 1 \
  '^log: fatal PARENT\[[0-9]+\]: open net namespace /nonexistent/ns/net' \
  '^error: stage PARENT \(pid [0-9]+\): open net namespace /nonexistent/ns/net: No such file or directory$' -- \
  run -mode=netlink -join=net:/nonexistent/ns/net -- "${host}"
# A request the child rejects before any process exists: a READER error.
expect "native request error" 1 '^error: stage READER, step STEP_PLAN' -- \
  run -mode=native -create=time -join=time:/proc/1/ns/time -- "${host}"
# main() never ran on failure.
out="$("${parent}" run -mode=native -join=net:/nonexistent/ns/net -- "${host}" 2>&1)"
if grep -q '^main()' <<<"${out}"; then echo "FAIL main() ran after an error"; failures=$((failures + 1)); fi

# The README's minimal parent: it runs, and the README shows its code.
out="$(examples/parents/go/nsboot-go-minimal "${host}" 2>&1)"
if grep -qE '^stage 2 is pid [0-9]+; main\(\) printed:$' <<<"${out}" && grep -q '^pid=1$' <<<"${out}"; then
  echo "PASS minimal"
else
  echo "FAIL minimal"; echo "${out}" | sed 's/^/  | /'; failures=$((failures + 1))
fi
missing=0
while IFS= read -r line; do
  [[ -z "${line// }" ]] && continue
  grep -qF -- "${line}" examples/parents/go/README.md || { echo "  README lacks: ${line}"; missing=1; }
done < <(sed -n '/^func main/,/^}/p' examples/parents/go/cmd/nsboot-go-minimal/main.go)
if (( missing )); then echo "FAIL README shows nsboot-go-minimal's main()"; failures=$((failures + 1)); else echo "PASS README"; fi

echo "$((9 - failures)) passed, ${failures} failed"
(( failures == 0 ))
