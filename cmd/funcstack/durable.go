package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/store"
)

// durableFlags are serve's settings of the durable queue and of outbound
// requests.
type durableFlags struct {
	workers      *int
	queues       queueFlag
	rescueAfter  *time.Duration
	retryBackoff *time.Duration
	cbBackoff    *time.Duration
	nodeID       *string
	outbound     *outboundFlag
	heartbeat    *time.Duration
	nodeGrace    *time.Duration
	guard        *durable.Guard
}

// outboundFlag is --outbound-allow, the exceptions to the outbound guard
// of the http step (and, in serve, of callbacks): serve and run share it.
type outboundFlag struct{ allow *string }

func addOutboundFlag(fs *flag.FlagSet) *outboundFlag {
	return &outboundFlag{allow: fs.String("outbound-allow", os.Getenv("FUNCSTACK_OUTBOUND_ALLOW"), "IPs or CIDR prefixes that callbacks and the http step may reach although private, loopback or link-local, comma-separated, e.g. 127.0.0.1,10.0.0.0/8 (env FUNCSTACK_OUTBOUND_ALLOW)")}
}

// guard returns the outbound guard the flag allows, and sets cfg's HTTP
// client (the http step's) to one that refuses private addresses unless
// allowed.
func (o *outboundFlag) guard(cfg *engine.Config) (*durable.Guard, error) {
	var allow []string
	if *o.allow != "" {
		allow = strings.Split(*o.allow, ",")
	}
	g, err := durable.NewGuard(allow)
	if err != nil {
		return nil, fmt.Errorf("--outbound-allow: %v", err)
	}
	cfg.HTTPClient = g.Client()
	return g, nil
}

// queueFlag collects --queue name=N.
type queueFlag map[string]int

func (q queueFlag) String() string { return "" }

func (q queueFlag) Set(v string) error {
	name, n, ok := strings.Cut(v, "=")
	c, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || c < 1 || !engine.NamePattern.MatchString(strings.TrimSpace(name)) {
		return fmt.Errorf("write --queue name=N, e.g. --queue emails=4 (a queue name [a-z][a-z0-9_]* and a concurrency of at least 1)")
	}
	q[strings.TrimSpace(name)] = c
	return nil
}

func addDurableFlags(fs *flag.FlagSet) *durableFlags {
	df := &durableFlags{queues: queueFlag{}}
	df.workers = fs.Int("durable-workers", envInt("FUNCSTACK_DURABLE_WORKERS", durable.DefaultWorkers), "how many durable executions of the default queue run at once in this process (env FUNCSTACK_DURABLE_WORKERS)")
	fs.Var(df.queues, "queue", "a named queue and how many of its executions run at once in this process, name=N; repeatable (env FUNCSTACK_QUEUES: name=N,name=N)")
	df.rescueAfter = fs.Duration("rescue-after", envDuration("FUNCSTACK_RESCUE_AFTER", durable.DefaultRescueAfter), "how long a durable job may run before it may be run again when its process died (never before its timeout) (env FUNCSTACK_RESCUE_AFTER)")
	df.retryBackoff = fs.Duration("retry-backoff", envDuration("FUNCSTACK_RETRY_BACKOFF", durable.DefaultRetryBackoff), "wait before the 2nd attempt of a failed durable execution whose function sets no settings.retries.backoff; doubles after (env FUNCSTACK_RETRY_BACKOFF)")
	df.cbBackoff = fs.Duration("callback-backoff", envDuration("FUNCSTACK_CALLBACK_BACKOFF", durable.DefaultCallbackBackoff), "wait before a failed callback delivery is tried again; doubles after (env FUNCSTACK_CALLBACK_BACKOFF)")
	df.nodeID = fs.String("node-id", os.Getenv("FUNCSTACK_NODE_ID"), "this process's name among the nodes sharing the database (env FUNCSTACK_NODE_ID; default: host name and --addr)")
	df.outbound = addOutboundFlag(fs)
	df.heartbeat = fs.Duration("heartbeat", envDuration("FUNCSTACK_HEARTBEAT", durable.DefaultHeartbeat), "how often this node beats in the database and looks for nodes that stopped (env FUNCSTACK_HEARTBEAT)")
	df.nodeGrace = fs.Duration("node-grace", envDuration("FUNCSTACK_NODE_GRACE", durable.DefaultNodeGrace), "how long a node may go without a heartbeat before it is declared dead: its durable jobs then run on other nodes at once and its async and promoted runs fail with node_lost (env FUNCSTACK_NODE_GRACE)")
	if v := os.Getenv("FUNCSTACK_QUEUES"); v != "" {
		for _, q := range strings.Split(v, ",") {
			_ = df.queues.Set(q)
		}
	}
	return df
}

// apply sets the engine's outbound HTTP client (the http step) to one
// that refuses private addresses unless allowed.
func (df *durableFlags) apply(cfg *engine.Config) error {
	g, err := df.outbound.guard(cfg)
	df.guard = g
	return err
}

// start runs River's migrations and starts the durable queue of eng.
func (df *durableFlags) start(ctx context.Context, st *store.Store, eng *engine.Engine, addr string, logger *slog.Logger) (*durable.Runner, error) {
	node := *df.nodeID
	if node == "" {
		host, _ := os.Hostname()
		node = host + "_" + strings.NewReplacer(":", "_", "[", "", "]", "").Replace(addr)
	}
	r, err := durable.New(ctx, st, eng, durable.Options{
		Workers: *df.workers, Queues: df.queues, RescueAfter: *df.rescueAfter, RetryBackoff: *df.retryBackoff,
		CallbackBackoff: *df.cbBackoff, HTTPClient: df.guard.Client(), Guard: df.guard, NodeID: node, Addr: addr,
		Heartbeat: *df.heartbeat, NodeGrace: *df.nodeGrace,
		SecretKey: os.Getenv("FUNCSTACK_SECRET_KEY"),
		Logf:      func(format string, args ...any) { logger.Warn(fmt.Sprintf(format, args...), "node", node) },
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	eng.SetDurable(r)
	return r, nil
}

// stopDurable lets running durable executions end within grace, then
// cancels them (River runs them again later).
func stopDurable(r *durable.Runner, grace time.Duration, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		fmt.Fprintf(stderr, "funcstack serve: %v\n", err)
	}
}
