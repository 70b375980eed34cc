# peers.sh -- the configurations bench/compare.sh, bench/own_cpu.sh,
# bench/peer_callgrind.sh and bench/reload_gap.sh give NSD, Knot DNS and BIND
# (source it). conf_SERVER DIR DATA VIEWS WORKERS PORT writes DIR/conf
# serving DATA/external.zone as bench.test on 127.0.0.1@PORT with WORKERS
# workers (NSD server-count, Knot udp- and tcp-workers; BIND takes its
# workers on the command line, named -n). VIEWS: 2 gives BIND two views
# (internal for 127.0.0.2 and 10/8 from DATA/internal.zone, external for
# the rest); NSD and Knot have none. PEER_ZONES="NAME=FILE ...", when set,
# replaces bench.test with those zones (one view). NSD's tcp-count and
# BIND's tcp-clients follow $tclients (default 100).
# SPDX-License-Identifier: BSD-3-Clause

conf_nsd() {
	local d=$1 data=$2 workers=$4 port=$5
	cat >"$d/conf" <<CONF
server:
	ip-address: 127.0.0.1
	port: $port
	server-count: $workers
	tcp-count: $(( ${tclients:-100} * 2 ))
	zonesdir: "$d"
	pidfile: "$d/nsd.pid"
	database: ""
	xfrdfile: "$d/xfrd.state"
	zonelistfile: "$d/zone.list"
	xfrdir: "$d"
	username: ""
	chroot: ""
	verbosity: 1
	# Debian's NSD limits each source to 200 answers/s by default (RRL)
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
CONF
	local z
	for z in ${PEER_ZONES:-bench.test=$data/external.zone}; do
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "${z%%=*}" "${z#*=}" >>"$d/conf"
	done
}

conf_knot() {
	local d=$1 data=$2 workers=$4 port=$5
	mkdir -p "$d/db"
	cat >"$d/conf" <<CONF
server:
    rundir: "$d"
    listen: 127.0.0.1@$port
    udp-workers: $workers
    tcp-workers: $workers
    background-workers: 1
log:
  - target: "$d/knot.log"
    any: info
database:
    storage: "$d/db"
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
CONF
	local z
	for z in ${PEER_ZONES:-bench.test=$data/external.zone}; do
		printf '  - domain: %s\n    file: "%s"\n' "${z%%=*}" "${z#*=}" >>"$d/conf"
	done
}

conf_bind() {
	local d=$1 data=$2 views=$3 port=$5
	{
		cat <<CONF
options {
	directory "$d";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	listen-on port $port { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	notify no;
	dnssec-validation no;
	# dnsperf opens all its connections at once: a backlog of 10 (the
	# default) drops SYNs and costs a 1 s retransmit each
	tcp-clients $(( ${tclients:-100} * 2 ));
	tcp-listen-queue $(( ${tclients:-100} * 2 ));
};
controls { };
CONF
		if [ "$views" = 2 ]; then
			cat <<CONF
view "internal" {
	match-clients { 10.0.0.0/8; 127.0.0.2; };
	zone "bench.test" { type primary; file "$data/internal.zone"; };
};
view "external" {
	match-clients { any; };
	zone "bench.test" { type primary; file "$data/external.zone"; };
};
CONF
		else
			local z
			for z in ${PEER_ZONES:-bench.test=$data/external.zone}; do
				echo "zone \"${z%%=*}\" { type primary; file \"${z#*=}\"; };"
			done
		fi
	} >"$d/conf"
}
