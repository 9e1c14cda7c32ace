package durable

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// MinSecretKey is the shortest Options.SecretKey (FUNCSTACK_SECRET_KEY)
// accepted.
const MinSecretKey = 32

// inputKeyName is the server key sealing job inputs in the database's
// funcstack_keys table.
const inputKeyName = "durable_inputs"

// sealPrefix marks the version of the sealing scheme.
const sealPrefix = "v1:"

// sealer keeps the inputs of functions with sensitive fields out of
// River's job arguments in plain text: they are sealed with AES-256-GCM
// under a key all nodes share, the execution ID as additional data (a
// sealed input copied into another job does not open).
type sealer struct{ aead cipher.AEAD }

// newSealer makes the sealer of r: under secret (FUNCSTACK_SECRET_KEY)
// when given, else under the key kept in the database, made by the first
// node that asks.
func newSealer(ctx context.Context, key func(context.Context) ([]byte, error), secret string) (*sealer, error) {
	var k []byte
	if secret != "" {
		if len(secret) < MinSecretKey {
			return nil, fmt.Errorf("the secret key is %d bytes long; use at least %d random bytes (FUNCSTACK_SECRET_KEY, e.g. openssl rand -hex 32)", len(secret), MinSecretKey)
		}
		sum := sha256.Sum256([]byte(secret))
		k = sum[:]
	} else {
		var err error
		if k, err = key(ctx); err != nil {
			return nil, err
		}
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("the key sealing durable inputs: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("the key sealing durable inputs: %v", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain, bound to execution id.
func (s *sealer) seal(plain []byte, id string) string {
	n := s.aead.NonceSize()
	buf := make([]byte, n, n+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(fmt.Sprintf("funcstack durable: reading random bytes: %v", err)) // crypto/rand never fails on supported systems
	}
	return sealPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(buf, buf, plain, []byte(id)))
}

// open decrypts what seal made for execution id.
func (s *sealer) open(sealed, id string) ([]byte, error) {
	b64, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, fmt.Errorf("the sealed input of durable execution %s has an unknown format (want %q…); it was queued by a newer funcstack", id, sealPrefix)
	}
	b, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(b) < s.aead.NonceSize() {
		return nil, fmt.Errorf("the sealed input of durable execution %s is damaged", id)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("the sealed input of durable execution %s does not open with this node's key: FUNCSTACK_SECRET_KEY differs between nodes or changed since it was queued; set the same key on every node", id)
	}
	return plain, nil
}
