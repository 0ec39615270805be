package web

import (
	"os/exec"
	"testing"
)

// TestUIOutboxUnit runs the outbox's JavaScript unit tests (test/outbox.test.js) with the
// machine's Node, which `make web` needs anyway; without Node it is skipped (the browser test
// TestUICensusVerification in cmd/tandem drives the outbox end to end).
func TestUIOutboxUnit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	out, err := exec.Command(node, "--test", "test/").CombinedOutput()
	if err != nil {
		t.Fatalf("node --test test/: %v\n%s", err, out)
	}
}
