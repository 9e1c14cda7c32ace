package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// ClaimIdempotencyKey implements engine.ExecutionStore: it maps (scope,
// key) to id and fingerprint for window, unless the pair maps to a live
// (unexpired) entry, whose execution ID it returns instead; a live entry
// claimed with another fingerprint is the error
// engine.IdempotencyKeyReused (one without, claimed before fingerprints
// were kept, matches any).
func (x *Executions) ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint, id string, window time.Duration) (string, error) {
	return x.ClaimIdempotencyKeyIn(ctx, x.s.db, scope, key, fingerprint, id, window)
}

// ClaimIdempotencyKeyIn is ClaimIdempotencyKey through q (a transaction:
// the claim then holds only if it commits).
func (x *Executions) ClaimIdempotencyKeyIn(ctx context.Context, db engine.Querier, scope, key, fingerprint, id string, window time.Duration) (string, error) {
	if window <= 0 {
		return id, nil
	}
	scope, key, fingerprint = cleanText(scope), cleanText(key), cleanText(fingerprint)
	now := time.Now()
	q := x.s.rebind(`INSERT INTO funcstack_idempotency_keys (scope, "key", execution_id, fingerprint, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope, "key") DO UPDATE SET execution_id = excluded.execution_id, fingerprint = excluded.fingerprint, expires_at = excluded.expires_at
		WHERE funcstack_idempotency_keys.expires_at <= ?
		RETURNING execution_id`)
	sel := x.s.rebind(`SELECT execution_id, fingerprint FROM funcstack_idempotency_keys WHERE scope = ? AND "key" = ?`)
	for attempt := 0; attempt < 3; attempt++ {
		var got, had string
		err := db.QueryRowContext(ctx, q, scope, key, id, fingerprint, x.s.timeArg(now.Add(window)), x.s.timeArg(now)).Scan(&got)
		if err == nil {
			return got, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("claiming idempotency key %q of %s in %s: %v", key, scope, x.s.where, err)
		}
		// A live entry holds the key.
		err = db.QueryRowContext(ctx, sel, scope, key).Scan(&got, &had)
		if err == nil {
			if had != "" && fingerprint != "" && had != fingerprint {
				return got, engine.IdempotencyKeyReused(scope, key, got, window)
			}
			return got, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("reading idempotency key %q of %s in %s: %v", key, scope, x.s.where, err)
		}
		// Pruned in between: try again.
	}
	return "", fmt.Errorf("claiming idempotency key %q of %s in %s: the entry kept changing; try again", key, scope, x.s.where)
}
