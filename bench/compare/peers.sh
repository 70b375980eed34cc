# peers.sh -- the configurations bench/compare.sh and bench/peer_callgrind.sh
# give NSD and Knot DNS (source it). conf_SERVER DIR DATA VIEWS WORKERS PORT
# writes DIR/conf serving DATA/external.zone on 127.0.0.1@PORT with WORKERS
# workers (VIEWS is for the servers with views; these have none). NSD's
# tcp-count follows $tclients (default 100).
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
zone:
	name: "bench.test"
	zonefile: "$data/external.zone"
CONF
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
  - domain: bench.test
    file: "$data/external.zone"
CONF
}
