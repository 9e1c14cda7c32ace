package engine

// SetNode names this process among the processes sharing the store: its
// node ID, a slash and its incarnation (one start of that node). The
// records of the runs it holds in memory — async calls and promoted sync
// runs — carry it, so that when it dies another node, or its own next
// start, can close them as failed with CodeNodeLost instead of leaving
// them running for ever (package durable sets it). Call it before
// serving.
func (e *Engine) SetNode(node string) { e.node = node }

// Node is what SetNode set ("" when nothing did).
func (e *Engine) Node() string { return e.node }
