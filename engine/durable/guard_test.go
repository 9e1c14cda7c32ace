package durable_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine/durable"
)

func TestGuardRefusesPrivateAddresses(t *testing.T) {
	g, err := durable.NewGuard(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"} {
		if err := g.Check(netip.MustParseAddr(a)); !errors.Is(err, durable.ErrRefused) {
			t.Errorf("%s: want refused, got %v", a, err)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "2606:4700::1111"} {
		if err := g.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s: want allowed, got %v", a, err)
		}
	}
	if _, err := durable.NewGuard([]string{"not-an-ip"}); err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Errorf("a bad allowlist entry must be named: %v", err)
	}
}

func TestGuardChecksConnectionsAndRedirects(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer target.Close()

	// Refused by default, also when the URL names the host, not the IP.
	g, _ := durable.NewGuard(nil)
	_, port, _ := net.SplitHostPort(target.Listener.Addr().String())
	for _, u := range []string{target.URL, "http://localhost:" + port} {
		if _, err := g.Client().Get(u); err == nil || !errors.Is(err, durable.ErrRefused) {
			t.Errorf("GET %s: want refused, got %v", u, err)
		}
	}
	// Allowed by the allowlist.
	allow, _ := durable.NewGuard([]string{"127.0.0.0/8"})
	resp, err := allow.Client().Get(target.URL)
	if err != nil {
		t.Fatalf("allowlisted loopback: %v", err)
	}
	resp.Body.Close()

	// A redirect from an allowed address to a refused one is refused.
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	v6 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("inner")) }))
	v6.Listener = ln
	v6.Start()
	defer v6.Close()
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, v6.URL, http.StatusFound)
	}))
	defer hop.Close()
	if _, err := allow.Client().Get(hop.URL); err == nil || !errors.Is(err, durable.ErrRefused) {
		t.Errorf("redirect to [::1]: want refused, got %v", err)
	}
}
