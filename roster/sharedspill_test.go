package roster

import (
	"archive/zip"
	"bytes"
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

// The table's announced count sizes its references at once, believed only as far as the part
// can hold that many texts: a small table announcing millions does not reserve them.
func TestSharedStringsCountBounded(t *testing.T) {
	for _, tc := range []struct {
		count string
		texts int
	}{{"3", 3}, {"99999999", 3}, {"x", 3}} {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%s">`, tc.count)
		for i := range tc.texts {
			fmt.Fprintf(&b, "<si><t>文本%d</t></si>", i)
		}
		b.WriteString("</sst>")
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w, _ := z.Create("xl/sharedStrings.xml")
		w.Write([]byte(b.String()))
		z.Close()
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var x xlsxReader
		if err := x.readShared(zr.File[0], MaxSharedBytes); err != nil {
			t.Fatal(err)
		}
		if x.shared.len() != tc.texts || cap(x.shared.refs) > max(b.Len()/5, tc.texts) {
			t.Errorf("uniqueCount %s: %d texts, references reserved for %d (part of %d bytes)", tc.count, x.shared.len(), cap(x.shared.refs), b.Len())
		}
		if v, _ := x.shared.get(2); v != "文本2" {
			t.Errorf("uniqueCount %s: text 2 is %q", tc.count, v)
		}
		x.shared.close()
	}
}
