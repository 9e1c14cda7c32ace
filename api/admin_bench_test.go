package api_test

import (
	"context"
	"testing"
)

// BenchmarkReload measures one reload of the example workspace's published
// definitions (read, compile, swap), as after every admin API change.
func BenchmarkReload(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			publishWorkspace(b, st, "../workflows")
			srv, _ := storeServer(b, st, 0)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := srv.Reload(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPublish measures publishing a changed function through the
// admin API (checks against the published workspace, save, publish,
// reload).
func BenchmarkPublish(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			publishWorkspace(b, st, "../workflows")
			_, ts := storeServer(b, st, 0)
			if s, body := adminCall(b, ts.URL, "POST", "/_/api/definitions?publish=true", double, true); s != 201 {
				b.Fatalf("%d %s", s, body)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				body := double
				if i%2 == 0 {
					body = doubleZ
				}
				if s, out := adminCall(b, ts.URL, "PUT", "/_/api/definitions/t_double?publish=true", body, true); s != 200 {
					b.Fatalf("%d %s", s, out)
				}
			}
		})
	}
}
