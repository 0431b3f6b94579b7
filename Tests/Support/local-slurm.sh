#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for pipe's tests and benchmarks: munged, slurmctld and slurmd
# with a generated configuration (no cgroups: proctrack/linuxproc, task/none) in $PIPE_SLURM_DIR.
#   local-slurm.sh start   starts what is not running and prints the SLURM_CONF to use
#   local-slurm.sh stop    stops the Slurm daemons, and munged if this script started it
# Needs root (slurmd starts jobs as their user) and Debian's slurm-wlm and munge packages.
set -euo pipefail
dir=${PIPE_SLURM_DIR:-/tmp/pipe-slurm}
conf=$dir/slurm.conf
export SLURM_CONF=$conf

stop() {
    for daemon in slurmctld slurmd; do
        if [ -f "$dir/$daemon.pid" ]; then kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true; rm -f "$dir/$daemon.pid"; fi
    done
}

if [ "${1:-}" = stop ]; then
    stop
    if [ -f "$dir/munged.pid" ]; then kill "$(cat "$dir/munged.pid")" 2>/dev/null || true; rm -f "$dir/munged.pid"; fi
    exit 0
fi
[ "${1:-}" = start ] || { echo "usage: $0 start|stop" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "local-slurm.sh: needs root (slurmd runs jobs as their user)" >&2; exit 3; }
for tool in munged slurmctld slurmd sbatch; do
    command -v "$tool" >/dev/null || { echo "local-slurm.sh: $tool is missing; install slurm-wlm and munge" >&2; exit 3; }
done

# Starts a daemon without any of this script's descriptors: a daemon that kept the pipe its caller reads
# would keep that caller (the test process, and `swift test` relaying it) waiting for end-of-file for ever.
detached() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
        done
        exec "$@"
    ) </dev/null >/dev/null 2>&1
}

if ! munge -n >/dev/null 2>&1; then
    [ -s /etc/munge/munge.key ] || { mungekey --create --force 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    detached runuser -u munge -- munged
    mkdir -p "$dir" && pgrep -n -x munged > "$dir/munged.pid"
fi

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat > "$conf.new" <<CONF
ClusterName=pipetest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=30
KillWait=5
OverTimeLimit=0
InactiveLimit=0
DefMemPerCPU=1000
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
if ! cmp -s "$conf.new" "$conf"; then stop; mv "$conf.new" "$conf"; else rm "$conf.new"; fi

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }
running slurmctld || detached slurmctld
running slurmd || detached slurmd -N "$host"
for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "$conf"; exit 0; fi
    sleep 0.5
done
echo "local-slurm.sh: the node did not come up; see $dir/log" >&2
exit 1
