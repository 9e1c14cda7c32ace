package durable

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is the error of an outbound connection to an address the
// guard refuses.
var ErrRefused = errors.New("outbound address refused")

// Guard refuses outbound connections (callbacks, the http step) to
// private, loopback, link-local, multicast and unspecified addresses
// unless they are in its allowlist. It checks the address actually dialled
// (net.Dialer.Control), so a host name resolving to a private address and
// every redirect are caught too.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard makes a guard that lets through the addresses in allow: IPs or
// CIDR prefixes, e.g. "127.0.0.1", "10.0.0.0/8", "::1".
func NewGuard(allow []string) (*Guard, error) {
	g := &Guard{}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			g.allow = append(g.allow, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("outbound allowlist entry %q is neither an IP address nor a CIDR prefix (e.g. 127.0.0.1 or 10.0.0.0/8)", a)
		}
		g.allow = append(g.allow, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return g, nil
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// Check reports whether ip may be connected to.
func (g *Guard) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, p := range g.allow {
		if p.Contains(ip) {
			return nil
		}
	}
	what := ""
	switch {
	case ip.IsLoopback():
		what = "loopback"
	case ip.IsPrivate(), sharedAddressSpace.Contains(ip):
		what = "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		what = "link-local"
	case ip.IsUnspecified():
		what = "unspecified"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		what = "multicast"
	case ip.Is4() && ip.As4()[0] == 0:
		what = "reserved"
	}
	if what == "" {
		return nil
	}
	return fmt.Errorf("%w: %s is a %s address; outbound requests go only to public addresses unless allowed (--outbound-allow %s)", ErrRefused, ip, what, ip)
}

func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: cannot tell the address of %q", ErrRefused, address)
	}
	return g.Check(ip)
}

// DialContext-ready dialer that checks every connection.
func (g *Guard) dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
}

// Transport returns an HTTP transport whose every connection the guard
// checks. It ignores proxy settings (a proxy would dial for it).
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		DialContext:           g.dialer().DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns an HTTP client using Transport that follows up to 10
// redirects, each to http or https only and checked like the first
// request.
func (g *Guard) Client() *http.Client {
	return &http.Client{Transport: g.Transport(), CheckRedirect: g.checkRedirect}
}

func (g *Guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to %s: only http and https are followed", ErrRefused, req.URL.Redacted())
	}
	if ip, err := netip.ParseAddr(strings.Trim(req.URL.Hostname(), "[]")); err == nil {
		if err := g.Check(ip); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
		}
	}
	return nil
}

// CheckCallback implements engine.CallbackChecker: it refuses a callback
// URL whose host is, or resolves only to, an address the guard refuses
// (Options.Guard), naming the rule. A host that does not resolve now is
// let through: its deliveries are tried again later.
func (r *Runner) CheckCallback(ctx context.Context, raw string) error {
	g := r.opt.Guard
	if g == nil {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.Check(ip)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return nil
	}
	for _, ip := range ips {
		if err := g.Check(ip); err == nil {
			return nil // the dialer may reach this one
		}
	}
	if err := g.Check(ips[0]); err != nil {
		return fmt.Errorf("host %s: %w", host, err)
	}
	return nil
}
