#!/usr/bin/env bash
# scripts/vm with no command is a shell a person types into: drive one
# through tmux, as a terminal would, on the quickest kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
session=toaster-vm-interactive-$$
kernel=${1:-6.12}

screen() { tmux capture-pane -t "$session" -p; }

wait_screen() {
	local want=$1 tries=$2
	while ((tries-- > 0)); do
		screen | grep -q -- "$want" && return 0
		sleep 1
	done
	echo "FAIL: never saw '$want' on the screen:"
	screen | sed '/^$/d'
	return 1
}

# Queued guests (TOASTER_VM_LOCK) are waited for here, not inside the
# terminal, where the waits below would count the queue as the boot.
if [ -n "${TOASTER_VM_LOCK:-}" ]; then
	exec {lock_fd}>>"$TOASTER_VM_LOCK"
	flock "$lock_fd"
fi

trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
tmux new-session -d -s "$session" -x 160 -y 50
tmux send-keys -t "$session" "cd $root && TOASTER_VM_LOCK= scripts/vm --no-build --kernel $kernel; echo vm-exit=\$?" Enter
wait_screen "exit the shell to power off" 120
# shellcheck disable=SC2016 # typed into the guest's shell, expanded there
tmux send-keys -t "$session" 'echo "answer=$((6 * 7))"; tty; grep state: /dev/toaster0' Enter
wait_screen "answer=42" 60
wait_screen "/dev/ttyS1" 5
wait_screen "state: " 30
tmux send-keys -t "$session" 'exit 0' Enter
wait_screen "vm-exit=0" 60
echo "interactive shell on $kernel: prompt, commands, the toaster, exit status 0"
