package domain_test

import (
	"reflect"
	"testing"

	"tandem/domain"
)

func TestParseLadder(t *testing.T) {
	got, err := domain.ParseLadder("reminder:0,chase:3,bulletin:5,talk:7:task,warning:3:task")
	if err != nil || !reflect.DeepEqual(got, domain.DefaultLadder) {
		t.Fatalf("default ladder %+v %v", got, err)
	}
	for _, bad := range []string{"", "chase:3,reminder:0", "reminder:0,reminder:1", "talk:-1", "talk:61", "reminder:2", "talk:3:mail", "nudge:1", "talk"} {
		if _, err := domain.ParseLadder(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
