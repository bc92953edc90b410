#!/bin/sh
# kubectl-kr node probe: prints a framed, read-only capture of the kube-router
# related networking state of the node it runs on.
#
# Rules this script keeps (test/probe/probe-static.test.ts checks them):
#   - it only reads: no mutating iproute2/ipset/iptables verbs, no sysctl writes,
#     no module loading, no temporary files; output goes to stdout only and every
#     other redirection targets /dev/null or a file descriptor;
#   - every external command runs under a timeout (KR_PROBE_CMD_TIMEOUT seconds);
#   - a missing or failing tool is recorded for its source; the run goes on;
#   - inputs arrive only through the environment and are validated with `case`.
#
# Must run under busybox ash (the kube-router image is Alpine) and dash: plain
# POSIX sh, no here-documents, no `local`, no arrays, no pipefail.
#
# Inputs:
#   KR_HOST_ROOT              where the host's / is mounted (default /); host files
#                             (networkd config and state, the host's /sys/fs/cgroup, the
#                             kube-router log) are read under it. /proc is NOT read
#                             under it: /proc/sys/net and /proc/net are per network
#                             namespace and a hostNetwork pod already sees the host's.
#   KR_PROBE_SECTIONS         passive | active | all (default all)
#   KR_PROBE_TARGETS          newline-separated records "kind family address port service"
#                             kind = service-vip | apiserver, family = 4 | 6,
#                             service = namespace/name or -
#   KR_PROBE_CMD_TIMEOUT      seconds allowed to each external command (default 10)
#   KR_PROBE_CONNECT_TIMEOUT  seconds allowed to curl's TCP connect (default 2)
#   KR_KUBE_ROUTER_BIN        kube-router binary (default: kube-router from PATH)
#   KR_PROBE_IPVS_PROC        file whose existence means IPVS is loaded
#                             (default /proc/net/ip_vs; tests point it elsewhere)
#   KR_PROBE_IPVS_SYSCTL      directory of the net.ipv4.vs.* sysctls
#                             (default /proc/sys/net/ipv4/vs; tests point it elsewhere,
#                             as this test kernel has no IPVS)
#   KR_KUBE_ROUTER_LOG_DIR    the kubelet's log directory of this node's kube-router
#                             container, relative to KR_HOST_ROOT
#                             (var/log/pods/<ns>_<pod>_<uid>/<container>); when set,
#                             the tail of its newest *.log is reported as kube-router.log
#   KR_KUBE_ROUTER_LOG_LINES  how many lines of it (default 5000)
#   KR_PROBE_HOST_PIDS        1 when /proc shows the host's processes (local mode);
#                             else kube-router-process.txt is reported missing
#   KR_DSR_ENDPOINTS          pod IPs of DSR endpoints on this node, one per line
#                             (section "DSR endpoint pods" below)
#   KR_PROBE_PROC             the /proc to find their processes in (default /proc)
#
# Output (parsed by src/probe/framing.ts; keep both in step):
#   KR-PROBE 1
#   === kr:plan <file> <file> ...          the sources this run will report
#   === kr:begin <file>
#   <stdout of the command, byte for byte>
#                                          (one extra newline, removed by the parser)
#   === kr:end <file> rc=<exit status>
#   === kr:missing <file> <one-line reason>  the source is unavailable (after an
#                                          end line when the tool ran and failed)
#   === kr:warning <one-line text>
#   === kr:done

LC_ALL=C
export LC_ALL

KR_NL='
'
KR_SEP='=== kr:capture-separator 7f3c9a ==='

# ---------- small helpers ----------

kr_is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# kr_uint VALUE DEFAULT MAX: KR_UINT = VALUE without leading zeros when it is an
# integer in 1..MAX, else DEFAULT (and a warning).
kr_uint() {
	KR_UINT=$1
	while :; do
		case $KR_UINT in
		0?*) KR_UINT=${KR_UINT#0} ;;
		*) break ;;
		esac
	done
	if kr_is_uint "$KR_UINT" && [ "${#KR_UINT}" -le 6 ] && [ "$KR_UINT" -ge 1 ] && [ "$KR_UINT" -le "$3" ]; then
		return 0
	fi
	KR_UINT=$2
	return 1
}

# kr_clean TEXT: KR_CLEAN = TEXT as one line of printable ASCII without '"' or
# '\' (replaced by "'"), control characters replaced by spaces, at most 300 chars.
kr_clean() {
	_kcl_in=$1
	KR_CLEAN=''
	_kcl_n=0
	while [ -n "$_kcl_in" ] && [ "$_kcl_n" -lt 300 ]; do
		_kcl_rest=${_kcl_in#?}
		_kcl_c=${_kcl_in%"$_kcl_rest"}
		_kcl_in=$_kcl_rest
		case $_kcl_c in
		'"' | \\) _kcl_c="'" ;;
		[[:print:]]) ;;
		*) _kcl_c=' ' ;;
		esac
		KR_CLEAN=$KR_CLEAN$_kcl_c
		_kcl_n=$((_kcl_n + 1))
	done
}

# kr_first_line TEXT: KR_FIRST = the first non-empty line of TEXT.
kr_first_line() {
	_kfl=$1
	while :; do
		case $_kfl in
		"$KR_NL"*) _kfl=${_kfl#"$KR_NL"} ;;
		*) break ;;
		esac
	done
	KR_FIRST=${_kfl%%"$KR_NL"*}
}

kr_warn() {
	kr_clean "$1"
	printf '=== kr:warning %s\n' "$KR_CLEAN"
}

kr_missing() {
	kr_clean "$2"
	printf '=== kr:missing %s %s\n' "$1" "$KR_CLEAN"
}

kr_have() {
	case $1 in
	*/*) [ -f "$1" ] && [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# kr_file_has_line FILE: FILE is readable and its first line is not empty.
# (/proc files report size 0, so `test -s` cannot be used.)
kr_file_has_line() {
	[ -r "$1" ] || return 1
	_kfh=''
	IFS= read -r _kfh 2>/dev/null <"$1"
	[ -n "$_kfh" ]
}

# ---------- timeouts ----------

# How to bound a command: coreutils / busybox >= 1.30 `timeout SECS`, old busybox
# `timeout -t SECS`, or a shell watchdog when there is no usable timeout at all.
KR_TO_MODE=watchdog
if command -v timeout >/dev/null 2>&1; then
	if timeout 5 true </dev/null >/dev/null 2>&1; then
		KR_TO_MODE=timeout
	elif timeout -t 5 true </dev/null >/dev/null 2>&1; then
		KR_TO_MODE=timeout-t
	fi
fi

kr_watchdog() {
	_kwd_s=$1
	shift
	"$@" &
	_kwd_p=$!
	(
		trap 'kill "$_kwd_sl" 2>/dev/null; exit 0' TERM
		sleep "$_kwd_s" &
		_kwd_sl=$!
		wait "$_kwd_sl"
		kill -TERM "$_kwd_p" 2>/dev/null
		sleep 2 &
		_kwd_sl=$!
		wait "$_kwd_sl"
		kill -KILL "$_kwd_p" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	_kwd_w=$!
	wait "$_kwd_p"
	_kwd_r=$?
	kill -TERM "$_kwd_w" 2>/dev/null
	wait "$_kwd_w" 2>/dev/null
	return "$_kwd_r"
}

# kr_timeout_s SECS CMD ARGS...: run an external command, killed after SECS seconds.
kr_timeout_s() {
	_kts=$1
	shift
	case $KR_TO_MODE in
	timeout) timeout "$_kts" "$@" ;;
	timeout-t) timeout -t "$_kts" "$@" ;;
	*) kr_watchdog "$_kts" "$@" ;;
	esac
}

kr_timeout() {
	kr_timeout_s "$KR_CMD_T" "$@"
}

# kr_reason TOOL RC STDERR: KR_REASON = why TOOL did not give a usable result.
kr_reason() {
	case $2 in
	124 | 137 | 143) KR_REASON="$1 timed out after ${KR_CMD_T}s" ;;
	126) KR_REASON="$1 could not be executed (rc=126)" ;;
	127) KR_REASON="$1 not found (rc=127)" ;;
	*)
		kr_first_line "$3"
		if [ -n "$KR_FIRST" ]; then
			KR_REASON="$1 failed: rc=$2: $KR_FIRST"
		else
			KR_REASON="$1 failed: rc=$2"
		fi
		;;
	esac
}

# ---------- running commands ----------

# kr_cmd FILE CMD ARGS...: stream CMD's stdout as section FILE; a missing tool or
# a non-zero exit is recorded as kr:missing with the reason.
# Globals read (and reset): KR_PREFIX (a line printed before the output),
# KR_MERGE=1 (stderr goes into the section too).
kr_cmd() {
	_kcm_f=$1
	shift
	_kcm_pfx=$KR_PREFIX
	_kcm_merge=$KR_MERGE
	KR_PREFIX=''
	KR_MERGE=''
	if ! kr_have "$1"; then
		kr_missing "$_kcm_f" "$1 not found"
		return 1
	fi
	printf '=== kr:begin %s\n' "$_kcm_f"
	if [ -n "$_kcm_pfx" ]; then
		printf '%s\n' "$_kcm_pfx"
	fi
	# stdout goes straight to our stdout (fd 3); stderr (unless merged) and the
	# exit status are captured: "<stderr>\n<rc>".
	if [ "$_kcm_merge" = 1 ]; then
		{ _kcm_meta=$({ kr_timeout "$@" </dev/null 1>&3 2>&3 3>&-; printf '\n%s' "$?"; }); } 3>&1
	else
		{ _kcm_meta=$({ kr_timeout "$@" </dev/null 2>&1 1>&3 3>&-; printf '\n%s' "$?"; }); } 3>&1
	fi
	_kcm_rc=${_kcm_meta##*"$KR_NL"}
	_kcm_err=${_kcm_meta%"$KR_NL"*}
	printf '\n=== kr:end %s rc=%s\n' "$_kcm_f" "$_kcm_rc"
	if [ "$_kcm_rc" != 0 ]; then
		kr_reason "$1" "$_kcm_rc" "$_kcm_err"
		kr_missing "$_kcm_f" "$KR_REASON"
		return 1
	fi
	return 0
}

# kr_capture CMD ARGS...: run CMD under the timeout and keep everything:
# KR_CAP_OUT = stdout verbatim, KR_CAP_RC = exit status, KR_CAP_ERR = stderr.
# The capture is "<stderr>\n<separator><rc>\n<stdout>x": stderr is written first
# (straight through fd 4) while stdout is held in a variable, so splitting at the
# first separator is cheap even for megabytes of stdout.
kr_capture() {
	_kcp_all=$(
		exec 4>&1
		_kcp_o=$(
			kr_timeout "$@" </dev/null 2>&4 4>&-
			_kcp_r=$?
			printf x
			exit "$_kcp_r"
		)
		_kcp_r=$?
		printf '\n%s%s\n%s' "$KR_SEP" "$_kcp_r" "$_kcp_o"
	)
	KR_CAP_ERR=${_kcp_all%%"$KR_NL$KR_SEP"*}
	_kcp_all=${_kcp_all#"$KR_CAP_ERR$KR_NL$KR_SEP"}
	KR_CAP_RC=${_kcp_all%%"$KR_NL"*}
	KR_CAP_OUT=${_kcp_all#*"$KR_NL"}
	KR_CAP_OUT=${KR_CAP_OUT%x}
	_kcp_all=''
	kr_is_uint "$KR_CAP_RC" || KR_CAP_RC=1
}

# kr_emit FILE PREFIX CONTENT: print an already captured section.
kr_emit() {
	printf '=== kr:begin %s\n' "$1"
	if [ -n "$2" ]; then
		printf '%s\n' "$2"
	fi
	printf '%s' "$3"
	printf '\n=== kr:end %s rc=0\n' "$1"
}

# ---------- sources ----------

kr_ipvsadm() {
	if ! kr_have ipvsadm; then
		kr_missing ipvsadm.txt "ipvsadm not found"
		return
	fi
	# ipvsadm loads the ip_vs module when it is absent: only run it when IPVS is loaded.
	if [ ! -e "$KR_IPVS_PROC" ]; then
		kr_missing ipvsadm.txt "IPVS is not loaded ($KR_IPVS_PROC does not exist)"
		return
	fi
	kr_cmd ipvsadm.txt ipvsadm -Ln
}

kr_has_kube_router_chains() {
	case $1 in
	:KUBE-ROUTER* | *"$KR_NL:KUBE-ROUTER"*) return 0 ;;
	esac
	return 1
}

# kr_iptables 4|6 FILE: the ruleset of the backend holding KUBE-ROUTER chains.
kr_iptables() {
	if [ "$1" = 6 ]; then
		_kip_t=ip6tables
		_kip_names=/proc/net/ip6_tables_names
	else
		_kip_t=iptables
		_kip_names=/proc/net/ip_tables_names
	fi
	_kip_f=$2
	_kip_nft_ok=''
	_kip_nft=''
	_kip_leg_ok=''
	_kip_leg=''
	_kip_why=''
	if kr_have "$_kip_t-nft-save"; then
		kr_capture "$_kip_t-nft-save"
		if [ "$KR_CAP_RC" = 0 ]; then
			if kr_has_kube_router_chains "$KR_CAP_OUT"; then
				kr_emit "$_kip_f" '# kr-backend: nft' "$KR_CAP_OUT"
				return
			fi
			_kip_nft_ok=1
			_kip_nft=$KR_CAP_OUT
		else
			kr_reason "$_kip_t-nft-save" "$KR_CAP_RC" "$KR_CAP_ERR"
			_kip_why="$KR_REASON; "
		fi
	else
		_kip_why="$_kip_t-nft-save not found; "
	fi
	# The legacy tool loads the ip(6)_tables module when no legacy table exists:
	# only read legacy tables that are already there.
	if ! kr_file_has_line "$_kip_names"; then
		_kip_why="$_kip_why${_kip_t}-legacy-save skipped: no legacy tables ($_kip_names empty or absent); "
	elif kr_have "$_kip_t-legacy-save"; then
		kr_capture "$_kip_t-legacy-save"
		if [ "$KR_CAP_RC" = 0 ]; then
			if kr_has_kube_router_chains "$KR_CAP_OUT"; then
				kr_emit "$_kip_f" '# kr-backend: legacy' "$KR_CAP_OUT"
				return
			fi
			_kip_leg_ok=1
			_kip_leg=$KR_CAP_OUT
		else
			kr_reason "$_kip_t-legacy-save" "$KR_CAP_RC" "$KR_CAP_ERR"
			_kip_why="$_kip_why$KR_REASON; "
		fi
	else
		_kip_why="$_kip_why$_kip_t-legacy-save not found; "
	fi
	# No backend holds KUBE-ROUTER chains: report what a backend does hold, else
	# fall back to the plain tool (an iptables-wrapper in the kube-router image).
	if [ -n "$_kip_nft_ok" ]; then
		# legacy tables exist but could not be read (e.g. no CAP_NET_RAW): say so, the nft ruleset may not be the live one
		case $_kip_why in
		*"${_kip_t}-legacy-save failed"* | *"${_kip_t}-legacy-save timed out"* | *"${_kip_t}-legacy-save could not"*)
			kr_warn "$_kip_f: legacy tables exist but $_kip_why reporting the nft ruleset"
			;;
		esac
		kr_emit "$_kip_f" '# kr-backend: nft' "$_kip_nft"
	elif [ -n "$_kip_leg_ok" ]; then
		kr_emit "$_kip_f" '# kr-backend: legacy' "$_kip_leg"
	elif kr_have "$_kip_t-save"; then
		KR_PREFIX='# kr-backend: default'
		kr_cmd "$_kip_f" "$_kip_t-save"
	else
		kr_missing "$_kip_f" "${_kip_why}$_kip_t-save not found"
	fi
}

# kr_sysctl_value PATH KEY: print "KEY = value" when PATH is readable.
kr_sysctl_value() {
	[ -f "$1" ] && [ -r "$1" ] || return 0
	_ksv=''
	if IFS= read -r _ksv 2>/dev/null <"$1" || [ -n "$_ksv" ]; then
		printf '%s = %s\n' "$2" "$_ksv"
	fi
}

# kr_sysctl_ifkey IFNAME: the sysctl spelling of an interface name ('.' -> '/').
kr_sysctl_ifkey() {
	_ksi_in=$1
	KR_IFKEY=''
	while :; do
		case $_ksi_in in
		*.*)
			KR_IFKEY=$KR_IFKEY${_ksi_in%%.*}/
			_ksi_in=${_ksi_in#*.}
			;;
		*)
			KR_IFKEY=$KR_IFKEY$_ksi_in
			break
			;;
		esac
	done
}

kr_sysctl() {
	if [ ! -d /proc/sys/net ]; then
		kr_missing sysctl.txt "/proc/sys/net is not available"
		return
	fi
	printf '=== kr:begin sysctl.txt\n'
	for _ks_k in sloppy_tcp conntrack expire_nodest_conn expire_quiescent_template conn_reuse_mode; do
		kr_sysctl_value "$KR_IPVS_SYSCTL/$_ks_k" "net.ipv4.vs.$_ks_k"
	done
	kr_sysctl_value /proc/sys/net/ipv4/ip_forward net.ipv4.ip_forward
	kr_sysctl_value /proc/sys/net/ipv6/conf/all/forwarding net.ipv6.conf.all.forwarding
	kr_sysctl_value /proc/sys/net/ipv6/conf/all/disable_ipv6 net.ipv6.conf.all.disable_ipv6
	for _ks_k in arp_ignore arp_announce; do
		kr_sysctl_value "/proc/sys/net/ipv4/conf/all/$_ks_k" "net.ipv4.conf.all.$_ks_k"
	done
	# rp_filter of all, default and every interface (kube-bridge, kube-dummy-if, the node NIC...)
	for _ks_d in /proc/sys/net/ipv4/conf/*; do
		[ -d "$_ks_d" ] || continue
		kr_sysctl_ifkey "${_ks_d##*/}"
		kr_sysctl_value "$_ks_d/rp_filter" "net.ipv4.conf.$KR_IFKEY.rp_filter"
	done
	for _ks_k in bridge-nf-call-iptables bridge-nf-call-ip6tables; do
		kr_sysctl_value "/proc/sys/net/bridge/$_ks_k" "net.bridge.$_ks_k"
	done
	printf '\n=== kr:end sysctl.txt rc=0\n'
}

# kr_networkd_file RELPATH: "# file: /RELPATH" and the file's text (newline-terminated).
kr_networkd_file() {
	_knf_p=$KR_ROOT_PFX/$1
	[ -f "$_knf_p" ] || return 0
	printf '# file: /%s\n' "$1"
	kr_capture cat "$_knf_p"
	if [ "$KR_CAP_RC" = 0 ]; then
		printf '%s' "$KR_CAP_OUT"
		case $KR_CAP_OUT in
		'' | *"$KR_NL") ;;
		*) printf '\n' ;;
		esac
	else
		kr_reason cat "$KR_CAP_RC" "$KR_CAP_ERR"
		kr_clean "$KR_REASON"
		printf '# error: %s\n' "$KR_CLEAN"
	fi
}

# ---------- accuracy (issue 12): networkd running, systemd version ----------

# kr_networkd_active: 0 when systemd-networkd runs: the state file run/systemd/netif/state that the
# running daemon writes (visible in local mode), or its unit's cgroup (cgroup v2, v1 name=systemd,
# hybrid), which exists only while the unit runs. Not run/systemd/netif/links: tmpfiles creates that
# directory at boot wherever networkd is installed, running or not (accuracy-audit.md §1.8). The probe
# pod mounts the host's /sys/fs/cgroup but not /run (src/model/probe-pod.ts says why).
kr_networkd_active() {
	[ -f "$KR_ROOT_PFX/run/systemd/netif/state" ] && return 0
	for _kna_d in sys/fs/cgroup sys/fs/cgroup/systemd sys/fs/cgroup/unified; do
		[ -d "$KR_ROOT_PFX/$_kna_d/system.slice/systemd-networkd.service" ] && return 0
	done
	return 1
}

# kr_systemd_version: KR_SYSTEMD_VERSION = the host's systemd major version, read from the name of
# its shared library libsystemd-shared-<version>[.<rest>].so (every systemd since 231 ships it, under
# usr/lib/systemd, usr/lib64/systemd or usr/lib/<triplet>/systemd); "unknown" when none is found.
# The probe cannot run the host's systemctl (another root filesystem), and only /usr is mounted.
kr_systemd_version() {
	KR_SYSTEMD_VERSION=unknown
	for _ksv_f in "$KR_ROOT_PFX"/usr/lib/systemd/libsystemd-shared-*.so "$KR_ROOT_PFX"/usr/lib64/systemd/libsystemd-shared-*.so \
		"$KR_ROOT_PFX"/usr/lib/*/systemd/libsystemd-shared-*.so "$KR_ROOT_PFX"/lib/systemd/libsystemd-shared-*.so; do
		[ -f "$_ksv_f" ] || continue
		_ksv_v=${_ksv_f##*/libsystemd-shared-}
		_ksv_v=${_ksv_v%%[!0-9]*}
		if kr_is_uint "$_ksv_v" && [ "${#_ksv_v}" -le 4 ]; then
			KR_SYSTEMD_VERSION=$_ksv_v
			return 0
		fi
	done
}

# kr_kube_router_process: kube-router-process.txt = "<pid> <command line>" per process whose
# /proc/<pid>/comm is kube-router; no line when none runs. Only where /proc is the host's
# (KR_PROBE_HOST_PIDS=1, local mode): the probe pod has its own PID namespace (no hostPID).
kr_kube_router_process() {
	if [ "${KR_PROBE_HOST_PIDS:-}" != 1 ]; then
		kr_missing kube-router-process.txt "the host's processes are not visible here (the probe pod has no hostPID)"
		return
	fi
	printf '=== kr:begin kube-router-process.txt\n'
	for _kkp_d in /proc/[0-9]*; do
		_kkp_c=''
		IFS= read -r _kkp_c 2>/dev/null <"$_kkp_d/comm" || continue
		[ "$_kkp_c" = kube-router ] || continue
		_kkp_cmd=''
		if [ -r "$_kkp_d/cmdline" ]; then
			_kkp_cmd=$(kr_timeout tr '\000' ' ' <"$_kkp_d/cmdline" 2>/dev/null)
			_kkp_cmd=${_kkp_cmd% }
		fi
		# a `kube-router --version` (this probe's own, or anyone's) is a query, not a running kube-router
		case "$_kkp_cmd" in *' --version' | *' version') continue ;; esac
		kr_clean "${_kkp_cmd:-kube-router}"
		printf '%s %s\n' "${_kkp_d#/proc/}" "$KR_CLEAN"
	done
	printf '\n=== kr:end kube-router-process.txt rc=0\n'
}

# ---------- end of accuracy (issue 12) part ----------

kr_networkd() {
	printf '=== kr:begin networkd.txt\n'
	if kr_networkd_active; then
		printf '# active: yes\n'
	else
		printf '# active: no\n'
	fi
	kr_systemd_version
	printf '# systemd-version: %s\n' "$KR_SYSTEMD_VERSION"
	kr_networkd_file etc/systemd/networkd.conf
	for _knd_d in etc run usr/lib lib; do
		for _knd_f in "$KR_ROOT_PFX/$_knd_d/systemd/networkd.conf.d/"*.conf; do
			[ -f "$_knd_f" ] || continue
			kr_networkd_file "${_knd_f#"$KR_ROOT_PFX"/}"
		done
	done
	printf '\n=== kr:end networkd.txt rc=0\n'
}

kr_version() {
	KR_MERGE=1
	kr_cmd kube-router-version.txt "${KR_KUBE_ROUTER_BIN:-kube-router}" --version
}

# kr_kube_router_log: the tail of the newest log file in KR_KUBE_ROUTER_LOG_DIR
# (CRI format lines "<time> stdout|stderr F|P <text>", as the kubelet writes them).
kr_kube_router_log() {
	case $KR_KUBE_ROUTER_LOG_DIR in
	/* | *..* | *"$KR_NL"*)
		kr_missing kube-router.log "KR_KUBE_ROUTER_LOG_DIR must be a plain path relative to the host root"
		return
		;;
	esac
	_kkl_dir=$KR_ROOT_PFX/$KR_KUBE_ROUTER_LOG_DIR
	if [ ! -d "$_kkl_dir" ]; then
		kr_missing kube-router.log "no kube-router log directory /$KR_KUBE_ROUTER_LOG_DIR on this node"
		return
	fi
	_kkl_new=''
	for _kkl_f in "$_kkl_dir"/*.log; do
		[ -f "$_kkl_f" ] || continue
		if [ -z "$_kkl_new" ] || [ "$_kkl_f" -nt "$_kkl_new" ]; then
			_kkl_new=$_kkl_f
		fi
	done
	if [ -z "$_kkl_new" ]; then
		kr_missing kube-router.log "no *.log file in /$KR_KUBE_ROUTER_LOG_DIR"
		return
	fi
	kr_cmd kube-router.log tail -n "$KR_LOG_LINES" "$_kkl_new"
}

# ---------- failure-mode sources (issue 12: iptables backends, BGP peers) ----------
# Read-only like everything above; kept apart from the sections above so each can change alone.

# kr_backend_lines: filter an iptables save on stdin to what iptables-backends.txt keeps:
# table (*), chain (:) and comment (#) lines, the jumps from built-in chains to KUBE-* chains
# (which chains traffic reaches), the rules of KUBE-FIREWALL (whose mark match an older
# iptables drops when it reads rules a newer one wrote) and any rule iptables marks as
# unsupported, then "# kr-rules: <number of -A lines>".
kr_backend_lines() {
	_kbl_n=0
	while IFS= read -r _kbl_l; do
		case $_kbl_l in
		'*'* | :* | '#'*) printf '%s\n' "$_kbl_l" ;;
		-A*)
			_kbl_n=$((_kbl_n + 1))
			case $_kbl_l in
			'-A KUBE-FIREWALL '* | *'unsupported revision'*) printf '%s\n' "$_kbl_l" ;;
			'-A PREROUTING '*'-j KUBE-'* | '-A INPUT '*'-j KUBE-'* | '-A FORWARD '*'-j KUBE-'* | '-A OUTPUT '*'-j KUBE-'* | '-A POSTROUTING '*'-j KUBE-'*) printf '%s\n' "$_kbl_l" ;;
			esac
			;;
		esac
	done
	printf '# kr-rules: %s\n' "$_kbl_n"
}

# kr_iptables_backends: for iptables and ip6tables, both backends: the tool's
# version and the table/chain/comment lines of its save. Legacy tables are read
# only when they already exist (the legacy tool would load the module).
kr_iptables_backends() {
	printf '=== kr:begin iptables-backends.txt\n'
	for _kib_t in iptables ip6tables; do
		if [ "$_kib_t" = ip6tables ]; then
			_kib_names=/proc/net/ip6_tables_names
		else
			_kib_names=/proc/net/ip_tables_names
		fi
		for _kib_b in nft legacy; do
			printf '== %s-%s\n' "$_kib_t" "$_kib_b"
			if ! kr_have "$_kib_t-$_kib_b-save"; then
				printf '# kr-unavailable: %s-%s-save not found\n' "$_kib_t" "$_kib_b"
				continue
			fi
			if [ "$_kib_b" = legacy ] && ! kr_file_has_line "$_kib_names"; then
				printf '# kr-unavailable: no legacy tables (%s empty or absent)\n' "$_kib_names"
				continue
			fi
			if kr_have "$_kib_t-$_kib_b"; then
				kr_capture "$_kib_t-$_kib_b" --version
				kr_first_line "$KR_CAP_OUT"
				kr_clean "$KR_FIRST"
				printf '# kr-version: %s\n' "$KR_CLEAN"
			fi
			kr_capture "$_kib_t-$_kib_b-save"
			if [ "$KR_CAP_RC" != 0 ]; then
				kr_reason "$_kib_t-$_kib_b-save" "$KR_CAP_RC" "$KR_CAP_ERR"
				kr_clean "$KR_REASON"
				printf '# kr-unavailable: %s\n' "$KR_CLEAN"
				continue
			fi
			# the save tools print their warnings (other backend present, incompatible tables) on stderr
			if [ -n "$KR_CAP_ERR" ]; then
				printf '%s\n' "$KR_CAP_ERR" | kr_backend_lines_stderr
			fi
			printf '%s' "$KR_CAP_OUT" | kr_backend_lines
		done
	done
	printf '\n=== kr:end iptables-backends.txt rc=0\n'
}

# kr_backend_lines_stderr: each non-empty stderr line as "# kr-stderr: <line>".
kr_backend_lines_stderr() {
	while IFS= read -r _kbs_l; do
		[ -n "$_kbs_l" ] || continue
		kr_clean "$_kbs_l"
		printf '# kr-stderr: %s\n' "$KR_CLEAN"
	done
}

# kr_gobgp: kube-router's BGP peers as its bundled gobgp client sees them
# (`gobgp neighbor` only queries kube-router's local gRPC API).
kr_gobgp() {
	if ! kr_have gobgp; then
		kr_missing gobgp-neighbors.txt "gobgp not found (not in this image)"
		return
	fi
	kr_cmd gobgp-neighbors.txt gobgp neighbor
}

# ---------- active probes ----------

# kr_valid_target KIND FAMILY ADDRESS PORT SERVICE: 0 when every field is plain, else KR_INVALID says why.
kr_valid_target() {
	case $1 in
	service-vip | apiserver) ;;
	*)
		KR_INVALID='kind is not service-vip or apiserver'
		return 1
		;;
	esac
	case $2 in
	4)
		case $3 in
		'' | *[!0-9.]* | .* | *. | *..* | *.*.*.*.*)
			KR_INVALID='address is not an IPv4 address'
			return 1
			;;
		*[0-9][0-9][0-9][0-9]*)
			KR_INVALID='address is not an IPv4 address'
			return 1
			;;
		*.*.*.*) ;;
		*)
			KR_INVALID='address is not an IPv4 address'
			return 1
			;;
		esac
		;;
	6)
		case $3 in
		'' | *[!0-9a-fA-F:.]* | *:::* | *[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]*)
			KR_INVALID='address is not an IPv6 address'
			return 1
			;;
		*:*:*) ;;
		*)
			KR_INVALID='address is not an IPv6 address'
			return 1
			;;
		esac
		if [ "${#3}" -gt 45 ]; then
			KR_INVALID='address is not an IPv6 address'
			return 1
		fi
		;;
	*)
		KR_INVALID='family is not 4 or 6'
		return 1
		;;
	esac
	case $4 in
	'' | *[!0-9]* | 0*)
		KR_INVALID='port is not a number in 1..65535'
		return 1
		;;
	esac
	if [ "${#4}" -gt 5 ] || [ "$4" -gt 65535 ]; then
		KR_INVALID='port is not a number in 1..65535'
		return 1
	fi
	case $5 in
	-) ;;
	*[!a-z0-9./-]* | /* | */ | */*/* | .* | -*)
		KR_INVALID='service is not namespace/name or -'
		return 1
		;;
	*/*) ;;
	*)
		KR_INVALID='service is not namespace/name or -'
		return 1
		;;
	esac
	if [ "${#5}" -gt 320 ]; then
		KR_INVALID='service is not namespace/name or -'
		return 1
	fi
	return 0
}

# kr_ms SECONDS: KR_MS = SECONDS ("0.001234") as whole milliseconds, rounded.
kr_ms() {
	_kms_s=${1%%.*}
	_kms_f=${1#"$_kms_s"}
	_kms_f=${_kms_f#.}
	case $_kms_s in '' | *[!0-9]*) _kms_s=0 ;; esac
	case $_kms_f in *[!0-9]*) _kms_f='' ;; esac
	_kms_f=${_kms_f}0000
	_kms_d=''
	_kms_i=0
	while [ "$_kms_i" -lt 4 ]; do
		_kms_rest=${_kms_f#?}
		_kms_d=$_kms_d${_kms_f%"$_kms_rest"}
		_kms_f=$_kms_rest
		_kms_i=$((_kms_i + 1))
	done
	while :; do
		case $_kms_d in
		0?*) _kms_d=${_kms_d#0} ;;
		*) break ;;
		esac
	done
	while :; do
		case $_kms_s in
		0?*) _kms_s=${_kms_s#0} ;;
		*) break ;;
		esac
	done
	if [ "${#_kms_s}" -gt 6 ]; then
		_kms_s=999999
	fi
	KR_MS=$((_kms_s * 1000 + (_kms_d + 5) / 10))
}

# kr_probe_one KIND FAMILY ADDRESS PORT SERVICE: append one JSON object to KR_PROBES_JSON.
kr_probe_one() {
	_kpo_kind=$1
	_kpo_fam=$2
	_kpo_addr=$3
	_kpo_port=$4
	_kpo_svc=$5
	if [ "$_kpo_fam" = 6 ]; then
		_kpo_host="[$_kpo_addr]"
	else
		_kpo_host=$_kpo_addr
	fi
	set -- curl -q -sS -g --noproxy '*' -o /dev/null -w '\nkr-connect=%{time_connect} %{remote_port}\n' \
		--connect-timeout "$KR_CONNECT_T" -m "$KR_CURL_MAX_T"
	if [ "$_kpo_kind" = apiserver ]; then
		set -- "$@" -k "https://$_kpo_host:$_kpo_port/healthz"
	else
		set -- "$@" "http://$_kpo_host:$_kpo_port/"
	fi
	_kpo_out=$(kr_timeout_s "$KR_CURL_T" "$@" </dev/null 2>&1)
	_kpo_rc=$?
	# stdout and stderr are mixed: the -w line "kr-connect=<seconds> <remote port>"
	# and curl's error message (before or after it); the message is the rest.
	_kpo_tc=''
	_kpo_rport=''
	_kpo_msg=$_kpo_out
	case $_kpo_out in
	*kr-connect=*)
		_kpo_after=${_kpo_out##*kr-connect=}
		_kpo_tc=${_kpo_after%%"$KR_NL"*}
		case $_kpo_tc in
		*' '*)
			_kpo_rport=${_kpo_tc#* }
			_kpo_tc=${_kpo_tc%% *}
			;;
		esac
		case $_kpo_after in
		*"$KR_NL"*) _kpo_after=${_kpo_after#*"$KR_NL"} ;;
		*) _kpo_after='' ;;
		esac
		_kpo_msg=${_kpo_out%kr-connect=*}$KR_NL$_kpo_after
		;;
	esac
	kr_first_line "$_kpo_msg"
	# ok = the TCP connection was established, whatever happened after it (TLS, HTTP).
	# curl reports time_connect 0 when a later step fails (TLS) but then still knows
	# the remote port; the exit status covers curl versions that do neither.
	_kpo_ok=false
	_kpo_ms=null
	case $_kpo_tc in
	'' | *[!0-9.]*) ;;
	*[1-9]*)
		_kpo_ok=true
		kr_ms "$_kpo_tc"
		_kpo_ms=$KR_MS
		;;
	esac
	if [ "$_kpo_ok" = false ]; then
		case $_kpo_rc in
		0 | 8 | 18 | 35 | 52 | 56) _kpo_ok=true ;;
		5 | 6 | 7 | 45 | 124 | 137 | 143) ;;
		28)
			case $KR_FIRST in
			*'Connection timed out'* | *'Failed to connect'*) ;;
			*)
				case $_kpo_rport in
				'' | 0 | *[!0-9]*) ;;
				*) _kpo_ok=true ;;
				esac
				;;
			esac
			;;
		*)
			case $_kpo_rport in
			'' | 0 | *[!0-9]*) ;;
			*) _kpo_ok=true ;;
			esac
			;;
		esac
	fi
	_kpo_err=null
	if [ "$_kpo_rc" != 0 ]; then
		case $_kpo_rc in
		124 | 137 | 143)
			if [ -z "$KR_FIRST" ]; then
				KR_FIRST="curl timed out after ${KR_CURL_T}s"
			fi
			;;
		esac
		if [ -z "$KR_FIRST" ]; then
			KR_FIRST="curl failed: rc=$_kpo_rc"
		fi
		kr_clean "$KR_FIRST"
		_kpo_err="\"$KR_CLEAN\""
	fi
	if [ "$_kpo_svc" = - ]; then
		_kpo_svc=null
	else
		_kpo_svc="\"$_kpo_svc\""
	fi
	KR_PROBES_JSON="$KR_PROBES_JSON$KR_PROBES_SEP{\"kind\":\"$_kpo_kind\",\"target\":\"$_kpo_addr\",\"port\":$_kpo_port,\"family\":$_kpo_fam,\"service\":$_kpo_svc,\"ok\":$_kpo_ok,\"error\":$_kpo_err,\"ms\":$_kpo_ms}"
	KR_PROBES_SEP=",$KR_NL"
}

kr_probes() {
	if ! kr_have curl; then
		kr_missing probes.json "curl not found"
		return
	fi
	KR_PROBES_JSON=''
	KR_PROBES_SEP=''
	_kpr_n=0
	_kpr_ifs=$IFS
	set -f
	IFS=$KR_NL
	for _kpr_rec in ${KR_PROBE_TARGETS:-}; do
		IFS=$_kpr_ifs
		_kpr_n=$((_kpr_n + 1))
		# split the record into its fields (globbing is off, nothing is evaluated)
		set -- $_kpr_rec
		if [ "$#" -eq 0 ]; then
			IFS=$KR_NL
			continue
		fi
		if [ "$#" -ne 5 ]; then
			kr_warn "probes.json: target record $_kpr_n ignored: expected 5 fields (kind family address port service), got $#"
		elif kr_valid_target "$1" "$2" "$3" "$4" "$5"; then
			kr_probe_one "$1" "$2" "$3" "$4" "$5"
		else
			kr_warn "probes.json: target record $_kpr_n ignored: $KR_INVALID"
		fi
		IFS=$KR_NL
	done
	IFS=$_kpr_ifs
	set +f
	if [ -n "$KR_PROBES_JSON" ]; then
		kr_emit probes.json '' "[$KR_NL$KR_PROBES_JSON$KR_NL]$KR_NL"
	else
		kr_emit probes.json '' "[]$KR_NL"
	fi
}

# ---------- DSR endpoint pods (dsr status / enable / disable) ----------
#
# KR_DSR_ENDPOINTS: pod IPs (one per line) of DSR Service endpoints on this node.
# For each, find the network namespace holding the IP through the host's /proc
# (the probe pod then has hostPID) and read inside it, with `nsenter --net`
# (the probe process enters; the pod is not changed), the links, the addresses
# and the rp_filter values kube-router sets for DSR (kube-router-facts.md §3.1
# step 6: kube-tunnel-if / kube-tunnel-v6 holding the VIP, rp_filter 0).
# KR_PROBE_PROC: the /proc to look through (default /proc; tests point it at a
# directory of links to the processes of one test node).
#
# dsr-endpoints.txt, one record per line:
#   # requested: IP IP ...
#   endpoint IP pid PID NETNS        the namespace found (then its lines:)
#   link <ip -o link show line>
#   addr <ip -o addr show line>
#   net.ipv4.conf.IF.rp_filter = V   for all, default, eth0, kube-tunnel-if
#   endpoint IP not-found REASON
#   endpoint IP error REASON

kr_dsr_valid_ip() {
	case $1 in
	'' | *[!0-9a-fA-F.:]*) return 1 ;;
	esac
	[ "${#1}" -le 45 ]
}

# kr_dsr_lines PREFIX TEXT: print each non-empty line of TEXT after PREFIX.
kr_dsr_lines() {
	_kdl_rest=$2
	while [ -n "$_kdl_rest" ]; do
		_kdl_line=${_kdl_rest%%"$KR_NL"*}
		case $_kdl_rest in
		*"$KR_NL"*) _kdl_rest=${_kdl_rest#*"$KR_NL"} ;;
		*) _kdl_rest='' ;;
		esac
		if [ -n "$_kdl_line" ]; then
			printf '%s%s\n' "$1" "$_kdl_line"
		fi
	done
}

# kr_dsr_holds ADDRS IP: 0 when `ip -o addr show` text ADDRS has IP as an address.
kr_dsr_holds() {
	case $1 in
	*" inet $2/"* | *" inet6 $2/"*) return 0 ;;
	esac
	return 1
}

# kr_dsr_pod NSFILE PID NETNS IP ADDRS: the record of one endpoint pod.
kr_dsr_pod() {
	printf 'endpoint %s pid %s %s\n' "$4" "$2" "$3"
	kr_capture nsenter --net="$1" ip -o link show
	if [ "$KR_CAP_RC" = 0 ]; then
		kr_dsr_lines 'link ' "$KR_CAP_OUT"
	else
		kr_reason 'nsenter ip link' "$KR_CAP_RC" "$KR_CAP_ERR"
		kr_clean "$KR_REASON"
		printf 'endpoint %s error %s\n' "$4" "$KR_CLEAN"
	fi
	kr_dsr_lines 'addr ' "$5"
	# grep -H prints "FILE:VALUE" for each file that exists (kube-tunnel-if may not)
	kr_capture nsenter --net="$1" grep -H -s '^' /proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/ipv4/conf/default/rp_filter /proc/sys/net/ipv4/conf/eth0/rp_filter /proc/sys/net/ipv4/conf/kube-tunnel-if/rp_filter
	_kdp_rest=$KR_CAP_OUT
	while [ -n "$_kdp_rest" ]; do
		_kdp_line=${_kdp_rest%%"$KR_NL"*}
		case $_kdp_rest in
		*"$KR_NL"*) _kdp_rest=${_kdp_rest#*"$KR_NL"} ;;
		*) _kdp_rest='' ;;
		esac
		case $_kdp_line in
		/proc/sys/net/ipv4/conf/*/rp_filter:*)
			_kdp_if=${_kdp_line#/proc/sys/net/ipv4/conf/}
			_kdp_if=${_kdp_if%%/rp_filter:*}
			printf 'net.ipv4.conf.%s.rp_filter = %s\n' "$_kdp_if" "${_kdp_line##*:}"
			;;
		esac
	done
}

kr_dsr_endpoints() {
	printf '=== kr:begin dsr-endpoints.txt\n'
	_kde_want=''
	_kde_ifs=$IFS
	IFS=$KR_NL
	set -f
	for _kde_ip in ${KR_DSR_ENDPOINTS:-}; do
		if kr_dsr_valid_ip "$_kde_ip"; then
			_kde_want="$_kde_want $_kde_ip"
		else
			kr_clean "$_kde_ip"
			printf '# ignored: not an IP address: %s\n' "$KR_CLEAN"
		fi
	done
	IFS=$_kde_ifs
	set +f
	if [ -z "$_kde_want" ]; then
		printf '# no endpoint pods requested\n'
		printf '\n=== kr:end dsr-endpoints.txt rc=0\n'
		return
	fi
	printf '# requested:%s\n' "$_kde_want"
	if ! kr_have nsenter; then
		for _kde_ip in $_kde_want; do
			printf 'endpoint %s error nsenter not found: cannot read inside the pod network namespaces\n' "$_kde_ip"
		done
		printf '\n=== kr:end dsr-endpoints.txt rc=0\n'
		return
	fi
	# one `ls -l` lists the network namespace of every process: "... PATH -> net:[INODE]"
	# (processes that end meanwhile make ls fail for them; the others are still listed)
	kr_capture ls -l /proc/self/ns/net
	_kde_self=${KR_CAP_OUT##*" -> "}
	_kde_self=${_kde_self%"$KR_NL"}
	kr_capture ls -l "$KR_DSR_PROC"/[0-9]*/ns/net
	_kde_list=$KR_CAP_OUT
	_kde_seen=' '
	_kde_found=' '
	_kde_unread=0
	_kde_why=''
	if [ "$KR_CAP_RC" != 0 ] && [ -z "$_kde_list" ]; then
		kr_reason ls "$KR_CAP_RC" "$KR_CAP_ERR"
		_kde_unread=1
		_kde_why=$KR_REASON
	fi
	while [ -n "$_kde_list" ]; do
		_kde_line=${_kde_list%%"$KR_NL"*}
		case $_kde_list in
		*"$KR_NL"*) _kde_list=${_kde_list#*"$KR_NL"} ;;
		*) _kde_list='' ;;
		esac
		case $_kde_line in
		*' -> net:['*']') ;;
		*/ns/net)
			# the link could not be read (no CAP_SYS_PTRACE over that process)
			_kde_unread=$((_kde_unread + 1))
			_kde_why="cannot read ${_kde_line##* }"
			continue
			;;
		*) continue ;;
		esac
		_kde_ns=${_kde_line##*" -> "}
		_kde_path=${_kde_line%" -> "*}
		_kde_path=${_kde_path##* }
		# the probe's own (the host's) namespace holds no pod IP worth reading
		if [ "$_kde_ns" = "$_kde_self" ]; then
			continue
		fi
		case $_kde_seen in
		*" $_kde_ns "*) continue ;;
		esac
		_kde_seen="$_kde_seen$_kde_ns "
		_kde_pid=${_kde_path%/ns/net}
		_kde_pid=${_kde_pid##*/}
		kr_capture nsenter --net="$_kde_path" ip -o addr show
		if [ "$KR_CAP_RC" != 0 ]; then
			# e.g. setns refused without CAP_SYS_ADMIN: an IP not found may sit in this namespace
			kr_reason nsenter "$KR_CAP_RC" "$KR_CAP_ERR"
			_kde_unread=$((_kde_unread + 1))
			_kde_why=$KR_REASON
			continue
		fi
		_kde_addrs=$KR_CAP_OUT
		for _kde_ip in $_kde_want; do
			if kr_dsr_holds "$_kde_addrs" "$_kde_ip"; then
				_kde_found="$_kde_found$_kde_ip "
				kr_dsr_pod "$_kde_path" "$_kde_pid" "$_kde_ns" "$_kde_ip" "$_kde_addrs"
			fi
		done
	done
	for _kde_ip in $_kde_want; do
		case $_kde_found in
		*" $_kde_ip "*) ;;
		*)
			if [ "$_kde_unread" -gt 0 ]; then
				kr_clean "$_kde_why"
				printf 'endpoint %s error %s network namespace(s) could not be read: %s\n' "$_kde_ip" "$_kde_unread" "$KR_CLEAN"
			else
				printf 'endpoint %s not-found no process on this node is in a network namespace holding %s\n' "$_kde_ip" "$_kde_ip"
			fi
			;;
		esac
	done
	printf '\n=== kr:end dsr-endpoints.txt rc=0\n'
}

# ---------- main ----------

printf 'KR-PROBE 1\n'

if ! kr_uint "${KR_PROBE_CMD_TIMEOUT:-10}" 10 3600; then
	kr_warn "KR_PROBE_CMD_TIMEOUT is not a number of seconds in 1..3600; using 10"
fi
KR_CMD_T=$KR_UINT
if ! kr_uint "${KR_PROBE_CONNECT_TIMEOUT:-2}" 2 300; then
	kr_warn "KR_PROBE_CONNECT_TIMEOUT is not a number of seconds in 1..300; using 2"
fi
KR_CONNECT_T=$KR_UINT
KR_CURL_MAX_T=$((KR_CONNECT_T + 1))
KR_CURL_T=$((KR_CONNECT_T + 3))

KR_ROOT_PFX=${KR_HOST_ROOT:-/}
while :; do
	case $KR_ROOT_PFX in
	*/) KR_ROOT_PFX=${KR_ROOT_PFX%/} ;;
	*) break ;;
	esac
done
KR_IPVS_PROC=${KR_PROBE_IPVS_PROC:-/proc/net/ip_vs}
KR_IPVS_SYSCTL=${KR_PROBE_IPVS_SYSCTL:-/proc/sys/net/ipv4/vs}
KR_DSR_PROC=${KR_PROBE_PROC:-/proc}
KR_DSR_PROC=${KR_DSR_PROC%/}
if ! kr_uint "${KR_KUBE_ROUTER_LOG_LINES:-5000}" 5000 1000000; then
	kr_warn "KR_KUBE_ROUTER_LOG_LINES is not a number in 1..1000000; using 5000"
fi
KR_LOG_LINES=$KR_UINT

KR_SECTIONS=${KR_PROBE_SECTIONS:-all}
case $KR_SECTIONS in
passive | active | all) ;;
*)
	kr_warn "KR_PROBE_SECTIONS is not passive, active or all; using all"
	KR_SECTIONS=all
	;;
esac
if [ "$KR_TO_MODE" = watchdog ]; then
	kr_warn "no usable timeout command; commands are bounded by a shell watchdog"
fi

KR_PLAN=''
if [ "$KR_SECTIONS" != active ]; then
	KR_PLAN='ip-addr.json ip-route.json ip6-route.json ip-rule.json ip6-rule.json ipset.txt ipvsadm.txt iptables.txt ip6tables.txt sysctl.txt networkd.txt kube-router-version.txt kube-router-process.txt iptables-backends.txt gobgp-neighbors.txt dsr-endpoints.txt'
	if [ -n "${KR_KUBE_ROUTER_LOG_DIR:-}" ]; then
		KR_PLAN="$KR_PLAN kube-router.log"
	fi
fi
if [ "$KR_SECTIONS" != passive ]; then
	KR_PLAN="${KR_PLAN:+$KR_PLAN }probes.json"
fi
printf '=== kr:plan %s\n' "$KR_PLAN"

if [ "$KR_SECTIONS" != active ]; then
	kr_cmd ip-addr.json ip -j -d addr show
	kr_cmd ip-route.json ip -j -4 route show table all
	kr_cmd ip6-route.json ip -j -6 route show table all
	kr_cmd ip-rule.json ip -j -4 rule show
	kr_cmd ip6-rule.json ip -j -6 rule show
	kr_cmd ipset.txt ipset save
	kr_ipvsadm
	kr_iptables 4 iptables.txt
	kr_iptables 6 ip6tables.txt
	kr_sysctl
	kr_networkd
	kr_version
	kr_kube_router_process
	kr_iptables_backends
	kr_gobgp
	kr_dsr_endpoints
	if [ -n "${KR_KUBE_ROUTER_LOG_DIR:-}" ]; then
		kr_kube_router_log
	fi
fi
if [ "$KR_SECTIONS" != passive ]; then
	kr_probes
fi

printf '=== kr:done\n'
exit 0
