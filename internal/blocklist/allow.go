package blocklist

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/entente/entente/internal/pattern"
)

// builtinAllow are values that must never be blocked whoever names them: public DNS resolvers,
// the domains of the largest platforms and CDNs (their subdomains stay blockable, since
// attackers host there too, but a wildcard over them is left out), and the domains every
// network resolves.
var builtinAllow = []string{
	// Public resolvers.
	"8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844",
	"1.1.1.1", "1.0.0.1", "2606:4700:4700::1111", "2606:4700:4700::1001",
	"9.9.9.9", "149.112.112.112", "2620:fe::fe", "2620:fe::9",
	"208.67.222.222", "208.67.220.220", "2620:119:35::35", "2620:119:53::53",
	"94.140.14.14", "94.140.15.15", "76.76.2.0", "76.76.10.0", "185.228.168.9", "185.228.169.9",
	"64.6.64.6", "64.6.65.6", "4.2.2.1", "4.2.2.2", "194.242.2.2", "5.9.164.112",
	// Platforms, CDNs and the most visited domains.
	"google.com", "www.google.com", "googleapis.com", "gstatic.com", "googleusercontent.com", "googlevideo.com",
	"youtube.com", "www.youtube.com", "ytimg.com", "gmail.com", "doubleclick.net", "google-analytics.com",
	"microsoft.com", "www.microsoft.com", "windows.com", "windowsupdate.com", "live.com", "outlook.com",
	"office.com", "office365.com", "microsoftonline.com", "msftncsi.com", "bing.com", "azure.com",
	"azureedge.net", "azurewebsites.net", "blob.core.windows.net", "sharepoint.com", "onedrive.com", "skype.com",
	"apple.com", "www.apple.com", "icloud.com", "mzstatic.com", "amazon.com", "www.amazon.com",
	"amazonaws.com", "s3.amazonaws.com", "cloudfront.net", "akamai.net", "akamaiedge.net", "akamaihd.net",
	"akamaized.net", "edgekey.net", "edgesuite.net", "fastly.net", "fastly.com", "cloudflare.com",
	"cloudflare-dns.com", "cloudflare.net", "facebook.com", "www.facebook.com", "fbcdn.net", "instagram.com",
	"whatsapp.com", "whatsapp.net", "twitter.com", "x.com", "twimg.com", "linkedin.com", "github.com",
	"githubusercontent.com", "github.io", "gitlab.com", "wikipedia.org", "www.wikipedia.org", "yahoo.com",
	"baidu.com", "yandex.ru", "netflix.com", "nflxvideo.net", "dropbox.com", "zoom.us", "slack.com",
	"mozilla.org", "mozilla.net", "digicert.com", "letsencrypt.org", "pki.goog", "ocsp.digicert.com",
	"root-servers.net", "gtld-servers.net", "ntp.org", "pool.ntp.org", "time.windows.com", "time.apple.com",
	"localhost", "local", "localdomain", "example.com", "example.net", "example.org",
}

// Allowlist holds values a blocklist never carries.
type Allowlist struct {
	addrs   map[netip.Addr]bool
	domains map[string]bool
	hash    string // summary of the extensions, for ETags
}

// NewAllowlist returns the built-in allowlist extended by extra values (addresses, prefixes are
// not accepted, domains; see Add).
func NewAllowlist(extra ...string) (*Allowlist, error) {
	a := &Allowlist{addrs: map[netip.Addr]bool{}, domains: map[string]bool{}}
	for _, v := range builtinAllow {
		if err := a.add(v); err != nil {
			return nil, fmt.Errorf("built-in allowlist: %w", err)
		}
	}
	for _, v := range extra {
		if err := a.Add(v); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Add puts an address or a domain on the allowlist.
func (a *Allowlist) Add(v string) error {
	if err := a.add(v); err != nil {
		return err
	}
	a.hash += "\x00" + v
	return nil
}

func (a *Allowlist) add(v string) error {
	v = strings.TrimSpace(v)
	if ip, err := netip.ParseAddr(v); err == nil {
		a.addrs[ip.Unmap()] = true
		return nil
	}
	t, ok := pattern.ParseTerm(v)
	if !ok || t.Kind != pattern.KindDomain || t.Subdomains {
		if v == "localhost" || v == "local" || v == "localdomain" {
			a.domains[v] = true
			return nil
		}
		return fmt.Errorf("allowlist: %q is neither an IP address nor a domain name", v)
	}
	a.domains[t.Value] = true
	return nil
}

// ReadAllowlist adds the values of r, one a line; blank lines and lines starting with # are
// skipped.
func (a *Allowlist) ReadAllowlist(r io.Reader) error {
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' {
			continue
		}
		if err := a.Add(l); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// Excludes reports whether a term must stay off blocklists: a listed address, or a prefix that
// holds one; an address or prefix that is private, loopback, link-local, multicast,
// unspecified or reserved, or a prefix wider than /8 (IPv4) or /32 (IPv6); a listed domain or a
// wildcard over it, or a single-label name.
func (a *Allowlist) Excludes(t pattern.Term) bool {
	switch t.Kind {
	case pattern.KindIPv4, pattern.KindIPv6:
		p, err := netip.ParsePrefix(t.Value)
		if err != nil {
			ip, err := netip.ParseAddr(t.Value)
			if err != nil {
				return true
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		if !p.IsSingleIP() && (p.Addr().Is4() && p.Bits() < 8 || p.Addr().Is6() && p.Bits() < 32) {
			return true
		}
		if special(p) {
			return true
		}
		if p.IsSingleIP() {
			return a.addrs[p.Addr()]
		}
		for ip := range a.addrs {
			if p.Contains(ip) {
				return true
			}
		}
	case pattern.KindDomain:
		return a.domains[t.Value] || !strings.Contains(t.Value, ".")
	}
	return false
}

// specialRanges are address ranges no blocklist should touch.
var specialRanges = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func special(p netip.Prefix) bool {
	for _, r := range specialRanges {
		if r.Overlaps(p) {
			return true
		}
	}
	return false
}
