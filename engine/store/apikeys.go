package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// API keys (docs/design.md §27.2): named credentials with scopes, given to
// clients. A key is "fsk_" + its ID + "_" + a 256-bit secret; the table
// keeps the ID and the SHA-256 of the secret, never the secret.

// APIKeyPrefix starts every API key.
const APIKeyPrefix = "fsk_"

// ErrNoAPIKey is returned for an unknown API key ID.
var ErrNoAPIKey = errors.New("no such API key")

// APIKey is one stored API key (without its secret).
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Hash is the SHA-256 of the key's secret.
	Hash [32]byte `json:"-"`
}

// Prefix is how lists show the key: its prefix and ID, not its secret.
func (k *APIKey) Prefix() string { return APIKeyPrefix + k.ID + "_…" }

// SplitAPIKey splits a presented key into its ID and the SHA-256 of its
// secret; ok is false when it does not have the shape of a key.
func SplitAPIKey(key string) (id string, sum [32]byte, ok bool) {
	rest, found := strings.CutPrefix(key, APIKeyPrefix)
	if !found {
		return "", sum, false
	}
	id, secret, found := strings.Cut(rest, "_")
	if !found || len(id) != 12 || secret == "" {
		return "", sum, false
	}
	return id, sha256.Sum256([]byte(secret)), true
}

// CreateAPIKey stores a new key and returns it with its full text, which
// is shown once and never kept.
func (s *Store) CreateAPIKey(ctx context.Context, name string, scopes []string, expires *time.Time) (*APIKey, string, error) {
	idb := make([]byte, 6)
	secret := make([]byte, 32)
	_, _ = rand.Read(idb) // never fails (crypto/rand)
	_, _ = rand.Read(secret)
	k := &APIKey{ID: hex.EncodeToString(idb), Name: cleanText(name), Scopes: scopes, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if expires != nil {
		t := expires.UTC().Truncate(time.Millisecond)
		k.ExpiresAt = &t
	}
	sec := base64.RawURLEncoding.EncodeToString(secret)
	k.Hash = sha256.Sum256([]byte(sec))
	sc, _ := json.Marshal(scopes)
	var exp any
	if k.ExpiresAt != nil {
		exp = s.timeArg(*k.ExpiresAt)
	}
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO funcstack_api_keys (id, name, scopes, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		k.ID, k.Name, string(sc), hex.EncodeToString(k.Hash[:]), s.timeArg(k.CreatedAt), exp)
	if err != nil {
		return nil, "", fmt.Errorf("saving API key %s in %s: %v", name, s.where, err)
	}
	return k, APIKeyPrefix + k.ID + "_" + sec, nil
}

const apiKeyColumns = `id, name, scopes, secret_sha256, created_at, expires_at, last_used_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*APIKey, error) {
	var k APIKey
	var scopes, sum string
	var created, expires, used, revoked any
	if err := row.Scan(&k.ID, &k.Name, &scopes, &sum, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return nil, fmt.Errorf("API key %s: scopes: %v", k.ID, err)
	}
	if b, err := hex.DecodeString(sum); err == nil && len(b) == 32 {
		copy(k.Hash[:], b)
	}
	var err error
	if k.CreatedAt, err = ScanTime(created); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		v   any
		dst **time.Time
	}{{expires, &k.ExpiresAt}, {used, &k.LastUsedAt}, {revoked, &k.RevokedAt}} {
		t, err := ScanTime(p.v)
		if err != nil {
			return nil, err
		}
		if !t.IsZero() {
			t = t.UTC()
			*p.dst = &t
		}
	}
	k.CreatedAt = k.CreatedAt.UTC()
	return &k, nil
}

// APIKey reads the key with ID id, or ErrNoAPIKey.
func (s *Store) APIKey(ctx context.Context, id string) (*APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, s.rebind(`SELECT `+apiKeyColumns+` FROM funcstack_api_keys WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAPIKey
	}
	if err != nil {
		return nil, fmt.Errorf("reading API key %s from %s: %v", id, s.where, err)
	}
	return k, nil
}

// APIKeys lists every key, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]*APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM funcstack_api_keys ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("listing API keys in %s: %v", s.where, err)
	}
	defer rows.Close()
	out := []*APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("listing API keys in %s: %v", s.where, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes key id for good (ErrNoAPIKey when there is none);
// revoking it again changes nothing.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	if _, err := s.db.ExecContext(ctx, s.rebind(`UPDATE funcstack_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), s.timeArg(time.Now()), id); err != nil {
		return nil, fmt.Errorf("revoking API key %s in %s: %v", id, s.where, err)
	}
	return s.APIKey(ctx, id)
}

// TouchAPIKey sets the last-used time of key id.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE funcstack_api_keys SET last_used_at = ? WHERE id = ?`), s.timeArg(at), id)
	return err
}

// OwnExecution records that API key keyID started execution id (an
// async run), so that the key may read its status.
func (s *Store) OwnExecution(ctx context.Context, id, keyID string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO funcstack_api_key_executions (execution_id, key_id, created_at) VALUES (?, ?, ?) ON CONFLICT (execution_id) DO NOTHING`),
		id, keyID, s.timeArg(time.Now()))
	if err != nil {
		return fmt.Errorf("recording the API key of execution %s in %s: %v", id, s.where, err)
	}
	return nil
}

// ExecutionOwner is the ID of the API key that started execution id, or
// "" when none did.
func (s *Store) ExecutionOwner(ctx context.Context, id string) (string, error) {
	var key string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT key_id FROM funcstack_api_key_executions WHERE execution_id = ?`), id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return key, err
}
