// Package ui holds the builder web UI: its source (React + TypeScript,
// built with Vite) and the built assets in dist/, committed so that
// go install works without Node. The api package serves them at /_/.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built UI: index.html at its root, hashed files in assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path; fs.Sub fails only on invalid ones
	}
	return sub
}
