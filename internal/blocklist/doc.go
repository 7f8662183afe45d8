// Package blocklist writes the indicator index as blocklists that prevention devices poll: plain
// text lists (the external dynamic list format of firewalls), a DNS RPZ zone, a hosts file,
// Suricata rules, a Zeek Intel file and an nftables set. What a list holds is read through a
// pattern.Filter, so it follows the sharing policy for whoever asked, and well-known false
// positives (public resolvers, large CDNs and platforms, private and reserved addresses) are
// left out by an Allowlist, which configuration can extend.
//
// Lists are sorted, so that a list that did not change is written byte for byte the same; ETag
// names its state without writing it, so that a poller asking with If-None-Match costs nothing
// when nothing changed.
package blocklist
