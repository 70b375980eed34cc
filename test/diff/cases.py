"""cases.py -- the query list of the differential suite.

Each query is (qname, qtype, qclass, variant); a variant names the EDNS/RD
settings (see VARIANTS). run.py sends every query of a probe's set from that
probe's source to its destination, over UDP and over TCP, to both servers.
SPDX-License-Identifier: BSD-3-Clause
"""

# variant name -> make_query settings
VARIANTS = {
    "plain": dict(edns=False, rd=False),
    "rd": dict(edns=False, rd=True),
    "edns512": dict(edns=True, payload=512),
    "edns1232": dict(edns=True, payload=1232),
    "edns4096": dict(edns=True, payload=4096),
    "do": dict(edns=True, payload=1232, do=True),
    "ednsv1": dict(edns=True, payload=1232, version=1),
    "rdedns": dict(edns=True, payload=1232, rd=True),
}


def _q(names, qtypes, qclass="IN", variant="plain"):
    return [(n, t, qclass, variant) for n in names for t in qtypes]


# Everything in the zones, for the probes with set "full".
FULL = []
# example.com (all views have one; content differs per view)
FULL += _q(["example.com"], ["SOA", "NS", "MX", "TXT", "A", "AAAA", "ANY", "CAA", "DS", "DNSKEY"])
FULL += _q(["www.example.com"], ["A", "AAAA", "MX", "TXT", "ANY"])
FULL += _q(["whichview.example.com"], ["TXT"])
FULL += _q(["WwW.ExAmPlE.CoM", "WWW.EXAMPLE.COM"], ["A"])
FULL += _q(["nonexistent.example.com", "a.b.nonexistent.example.com"], ["A"])
FULL += _q(["nonexistent.example.com"], ["TXT"], variant="edns1232")
# CNAME chains
FULL += _q(["alias.example.com"], ["A", "CNAME", "AAAA", "MX", "ANY"])
FULL += _q(["chain1.example.com", "loop1.example.com", "tonet.example.com", "tonetchain.example.com",
            "toout.example.com", "dangling.example.com", "tochild.example.com", "tosubdel.example.com",
            "tocorp.example.com", "vpn.example.com"], ["A"])
# wildcards below a name, ENTs
FULL += _q(["foo.wild.example.com"], ["A", "TXT", "MX", "ANY"])
FULL += _q(["a.b.wild.example.com", "wild.example.com", "*.wild.example.com", "x.wcname.example.com"], ["A"])
FULL += _q(["c.ent.example.com", "b.c.ent.example.com", "a.b.c.ent.example.com", "x.c.ent.example.com",
            "ent.example.com"], ["A"])
# mixed case
FULL += _q(["mixed.example.com", "MIXED.EXAMPLE.COM", "MiXeD.example.com"], ["A"])
FULL += _q(["upper.case.example.com", "UPPER.CASE.example.com"], ["TXT"])
FULL += _q(["case.example.com"], ["TXT"])
# SRV + additional
FULL += _q(["_sip._udp.example.com", "_xmpp._tcp.example.com", "_ldap._tcp.example.com"], ["SRV"])
FULL += _q(["_udp.example.com"], ["SRV"])
FULL += _q(["ttlshort.example.com", "ns1.example.com", "mail.example.com"], ["A"])
# delegations
FULL += _q(["sub.example.com"], ["NS", "A", "DS", "SOA", "ANY"])
FULL += _q(["www.sub.example.com", "ns1.sub.example.com", "a.b.sub.example.com"], ["A"])
FULL += _q(["ns1.sub.example.com"], ["AAAA"])
FULL += _q(["sub2.example.com", "x.sub2.example.com", "sub3.example.com"], ["A"])
FULL += _q(["sub2.example.com"], ["DS"])
# referrals whose NS are names of the parent zone outside the delegation
FULL += _q(["sib.example.com", "www.sib.example.com", "sib2.example.com", "x.sib2.example.com",
            "sib3.example.com"], ["A"])
FULL += _q(["sib.example.com"], ["NS"])
FULL += _q(["child.example.com"], ["DS", "NS", "SOA"])
FULL += _q(["www.child.example.com", "back.child.example.com", "nope.child.example.com"], ["A"])
# internal-only data
FULL += _q(["intranet.example.com", "db.example.com", "files.corp.test"], ["A"])
FULL += _q(["corp.test"], ["SOA"])
# example.net
FULL += _q(["example.net"], ["NS", "SOA"])
FULL += _q(["www.example.net", "back.example.net", "nx.example.net"], ["A"])
FULL += _q(["ns2.example.net"], ["AAAA", "A"])
# RFC 4592 section 2.2.1: the example zone and its queries
FULL += _q(["host3.example"], ["MX", "A"])
FULL += _q(["foo.bar.example"], ["TXT"])
FULL += _q(["host1.example"], ["MX", "A"])
FULL += _q(["sub.*.example"], ["MX", "TXT"])
FULL += _q(["_telnet._tcp.host1.example"], ["SRV"])
FULL += _q(["host.subdel.example"], ["A"])
FULL += _q(["ghost.*.example"], ["MX"])
FULL += _q(["_ssh._tcp.host1.example", "_ssh._tcp.host2.example", "_ssh._tcp.host3.example"], ["SRV"])
FULL += _q(["*.example"], ["TXT", "MX", "ANY"])
FULL += _q(["subdel.example"], ["NS", "DS"])
FULL += _q(["_tcp.host1.example", "host2.example"], ["A"])
FULL += _q(["example"], ["NS", "SOA"])
FULL += _q(["HoSt3.ExAmPlE"], ["MX"])
# misc.test: types, sizes and case
FULL += _q(["mid.misc.test", "big.misc.test"], ["A"])
FULL += _q(["huge.misc.test", "manystr.misc.test", "longstr.misc.test", "quoted.misc.test"], ["TXT"])
FULL += _q(["caa.misc.test"], ["CAA"])
FULL += _q(["_http._tcp.misc.test"], ["SRV"])
FULL += _q(["www.misc.test", "v6only.misc.test", "www2.misc.test"], ["AAAA"])
FULL += _q(["v6only.misc.test"], ["A"])
FULL += _q(["hinfo.misc.test"], ["HINFO"])
FULL += _q(["naptr.misc.test"], ["NAPTR"])
FULL += _q(["sshfp.misc.test"], ["SSHFP"])
FULL += _q(["unknown.misc.test"], ["TYPE65534", "TYPE65280", "ANY", "A"])
FULL += _q(["misc.test"], ["TYPE65534"])
FULL += _q(["generic.misc.test", "camelcase.misc.test", "CAMELCASE.MISC.TEST"], ["A"])
FULL += _q(["allcaps.sub.misc.test"], ["TXT"])
FULL += _q(["sub.misc.test"], ["TXT"])
FULL += _q(["mx.misc.test"], ["MX"])
FULL += _q(["www.misc.test"], ["RRSIG", "NSEC"])
# gen.test: class before TTL, $GENERATE with modifiers (zone-file reader)
FULL += _q(["classfirst.gen.test", "ttlfirst.gen.test", "ns1.gen.test"], ["A"])
FULL += _q(["both.gen.test"], ["AAAA", "ANY"])
FULL += _q(["1.2.0.192.gen.test", "200.2.0.192.gen.test", "254.2.0.192.gen.test",
            "255.2.0.192.gen.test", "2.0.192.gen.test"], ["PTR"])
FULL += _q(["host-1.gen.test", "host-254.gen.test", "host-255.gen.test"], ["A"])
FULL += _q(["pad000.gen.test", "pad010.gen.test", "pad030.gen.test", "pad005.gen.test",
            "hex00fa.gen.test", "hex00ff.gen.test", "hex0100.gen.test",
            "a.0.0.0.nibup.gen.test", "B.0.0.0.NIBUP.gen.test", "lit\\$x7.gen.test"], ["TXT"])
FULL += _q(["0.0.4.nib.gen.test", "3.0.4.nib.gen.test", "4.0.4.nib.gen.test"], ["AAAA"])
FULL += _q(["off0.gen.test", "off2.gen.test", "off3.gen.test"], ["A", "CNAME"])
FULL += _q(["mx1.gen.test", "mx2.gen.test"], ["MX"])
FULL += _q(["wks.gen.test"], ["WKS"])
FULL += _q(["x25.gen.test"], ["X25"])
FULL += _q(["hip.gen.test"], ["HIP"])
FULL += _q(["plus+sign.gen.test"], ["TXT", "SPF", "ANY"])
FULL += _q(["bang.gen.test"], ["CNAME", "A"])
# reverse zones
FULL += _q(["80.2.0.192.in-addr.arpa", "10.2.0.192.in-addr.arpa", "99.2.0.192.in-addr.arpa",
            "80.0.0.10.in-addr.arpa", "3.2.1.10.in-addr.arpa"], ["PTR"])
FULL += _q(["2.0.192.in-addr.arpa"], ["SOA"])
# outside every zone
FULL += _q(["www.outside.test", "com", "."], ["A"])
FULL += _q(["."], ["NS"])
# meta types (FORMERR), MAILA (NOTIMP), a data type above 255
FULL += _q(["www.example.com"], ["TYPE128", "TKEY", "TSIG", "MAILA", "URI"])
# class CHAOS and other classes
FULL += _q(["version.bind", "hostname.bind", "id.server", "VERSION.BIND"], ["TXT"], qclass="CH")
FULL += _q(["www.example.com"], ["A"], qclass="CH")
# EDNS and RD variants on answers of various sizes
for v in ("rd", "edns512", "edns1232", "edns4096", "do", "ednsv1"):
    FULL += _q(["www.example.com", "nonexistent.example.com", "mid.misc.test", "big.misc.test"],
               ["A"], variant=v)
    FULL += _q(["mx.misc.test"], ["MX"], variant=v)
    FULL += _q(["huge.misc.test"], ["TXT"], variant=v)
FULL += _q(["version.bind"], ["TXT"], qclass="CH", variant="edns1232")
# zones signed offline (NSEC; NSEC3 with salt), DO=1: RRSIGs and proofs
for z in ("nsec.test", "nsec3.test"):
    FULL += _q([z], ["SOA", "NS", "MX", "DNSKEY", "TXT", "ANY"], variant="do")
    FULL += _q(["www." + z, "alias." + z, "deadend." + z, "towild." + z, "nothere." + z,
                "a.b.nothere." + z, "ent." + z, "y.ent." + z, "q.wild." + z, "a.b.wild." + z,
                "q.cn." + z, "child." + z, "host.child." + z, "secure." + z, "host.secure." + z,
                "ns.child." + z, "www.old." + z, "nx.old." + z, "old." + z], ["A"], variant="do")
    FULL += _q(["old." + z, "www.old." + z], ["DNAME", "CNAME"], variant="do")
    FULL += _q(["www." + z, "q.wild." + z, "child." + z, "secure." + z], ["MX", "DS", "TXT"],
               variant="do")
    FULL += _q(["big." + z], ["TXT"], variant="do")
    FULL += _q(["www." + z, "nothere." + z, "q.wild." + z], ["A"], variant="edns1232")

# A smaller list for the other probes: enough to see the view and the refusals.
SHORT = []
SHORT += _q(["whichview.example.com"], ["TXT"])
SHORT += _q(["example.com"], ["SOA", "NS"])
SHORT += _q(["www.example.com", "alias.example.com", "tonet.example.com", "partner.example.com",
             "nonexistent.example.com", "intranet.example.com", "www.example.net", "mid.misc.test",
             "files.corp.test"], ["A"])
SHORT += _q(["host3.example"], ["MX"])
SHORT += _q(["80.0.0.10.in-addr.arpa"], ["PTR"])
SHORT += _q(["www.example.com"], ["TYPE128", "MAILA"])
SHORT += _q(["version.bind", "hostname.bind", "id.server"], ["TXT"], qclass="CH")
SHORT += _q(["www.example.com"], ["A"], variant="edns1232")

# The recursive view: chains that leave the zone (A and AAAA, with RD as a
# stub resolver sends it; UDP and TCP as for every set), DNAME in it.
RESOLVER = []
RESOLVER += _q(["whichview.example.com"], ["TXT"])
RESOLVER += _q(["alias.example.com", "alias2.example.com", "toupcname.example.com", "tonet.example.com",
                "tochain.example.com", "www.up.example.com", "viadname.example.com"],
               ["A", "AAAA"], variant="rd")
RESOLVER += _q(["alias.example.com"], ["TXT", "CNAME", "ANY"], variant="rd")
RESOLVER += _q(["tonx.example.com", "toback.example.com", "toloop.example.com", "c1.example.com",
                "www.old.example.com", "x.old.example.com", "www.tonet-d.example.com",
                "nx.up.example.com", "WwW.Up.ExAmPlE.CoM", "ALIAS.example.com"], ["A"], variant="rd")
RESOLVER += _q(["www.up.example.com", "alias2.example.com"], ["A", "AAAA"], variant="rdedns")
RESOLVER += _q(["www.up.example.com"], ["CNAME", "ANY"], variant="rd")
# RD=0: the zone's own data only (a target outside the view's zones would be
# answered from the cache, timing-dependent: not compared)
RESOLVER += _q(["tonet.example.com", "www.old.example.com", "c1.example.com"], ["A"])
# DNAME (RFC 6672) in views without recursion
DNAME = []
DNAME += _q(["www.old.dname.test", "mail.old.dname.test", "x.old.dname.test", "a.b.old.dname.test",
             "www.out.dname.test", "cnametoold.dname.test", "WWW.OLD.dname.test", "www.old.DNAME.TEST"],
            ["A"])
DNAME += _q(["www.old.dname.test"], ["AAAA", "CNAME", "DNAME", "ANY", "TXT"])
DNAME += _q(["mail.old.dname.test"], ["MX"])
DNAME += _q(["old.dname.test"], ["DNAME", "TXT", "A", "ANY"])
DNAME += _q(["x" * 60 + ".long.dname.test", "x.long.dname.test"], ["A"])
FULL += DNAME
RESOLVER += DNAME

SETS = {"full": FULL, "short": SHORT, "resolver": RESOLVER}
