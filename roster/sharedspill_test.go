package roster

import (
	"fmt"
	"strings"
	"testing"
)

// Past its blocks in memory the shared-string table spills full blocks to a file and reads
// each text back by offset: every text comes back as it went in, and only the last block
// stays in memory.
func TestSharedStringsSpill(t *testing.T) {
	ss := sharedStrings{inMemory: 1}
	defer ss.close()
	text := func(i int) string { return fmt.Sprintf("企业%07d有限公司", i) + strings.Repeat("长", i%50) }
	n := 0
	for size := 0; size < 5*sharedBlock; n++ {
		ss.add(text(n))
		size += len(text(n))
	}
	if ss.file == nil || ss.err != nil {
		t.Fatalf("nothing spilled: %v", ss.err)
	}
	held := 0
	for _, b := range ss.blocks {
		if b != nil {
			held++
		}
	}
	if held != 1 || len(ss.blocks) < 5 {
		t.Fatalf("%d of %d blocks in memory, want 1", held, len(ss.blocks))
	}
	for _, i := range []int{0, 1, n / 3, n / 2, n - 2, n - 1} {
		if got, ok := ss.get(i); !ok || got != text(i) {
			t.Fatalf("text %d: %q %v, want %q", i, got, ok, text(i))
		}
	}
	if _, ok := ss.get(n); ok {
		t.Fatal("a text past the table")
	}
}
