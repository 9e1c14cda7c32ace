package engine_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// TestEngineSweepsUploads: an engine with a file folder deletes the
// uploads older than its upload retention from the start, and leaves
// kept files alone.
func TestEngineSweepsUploads(t *testing.T) {
	dir := t.TempDir()
	old, err := value.SaveUpload(dir, "old.txt", "text/plain", []byte("old"))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := value.SaveFile(dir, "kept.txt", "text/plain", []byte("kept"))
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-2 * time.Hour)
	oldPath := filepath.Join(dir, value.UploadsFolder, old["sha256"].(string))
	keptPath := filepath.Join(dir, kept["sha256"].(string))
	for _, p := range []string{oldPath, keptPath} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	e := engine.New(engine.Config{FilesDir: dir, UploadRetention: time.Hour})
	defer e.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(oldPath); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old upload was not swept within 5 s of the engine's start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(keptPath); err != nil {
		t.Errorf("the kept file: %v", err)
	}
}
