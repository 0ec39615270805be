package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPrintRuns: fingerprints added over several runs come back once a credit code, in key
// order, each the one of the code's last row, as one stable sort and a pass keeping the last
// of equal keys gave them.
func TestPrintRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 1000, 2*printRun + 17} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var r printRuns
			last := map[fingerprintKey]rowSum{}
			for i := range n {
				var p fingerprint
				copy(p.key[:], fmt.Sprintf("%018d", rng.IntN(max(n/2, 1)))) // many codes twice, some across runs
				binary.BigEndian.PutUint64(p.hash[:], uint64(i))
				r.add(p)
				last[p.key] = p.hash
			}
			if n > printRun && len(r.runs) != n/printRun+1 {
				t.Fatalf("%d runs for %d fingerprints", len(r.runs), n)
			}
			r.sorted()
			var keys []fingerprintKey
			for p, ok := r.next(); ok; p, ok = r.next() {
				if want := last[p.key]; p.hash != want {
					t.Fatalf("%s: hash of row %d, want the last row's %d", p.key[:], binary.BigEndian.Uint64(p.hash[:]), binary.BigEndian.Uint64(want[:]))
				}
				keys = append(keys, p.key)
			}
			if len(keys) != len(last) || !slices.IsSortedFunc(keys, compareKeys) {
				t.Fatalf("%d codes, want %d, sorted: %v", len(keys), len(last), slices.IsSortedFunc(keys, compareKeys))
			}
			for i := 1; i < len(keys); i++ {
				if keys[i] == keys[i-1] {
					t.Fatalf("%s twice", keys[i][:])
				}
			}
		})
	}
}
