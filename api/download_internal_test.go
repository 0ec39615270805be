package api

import "testing"

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, fallback, want string }{
		{"rejects-1.csv", "", `attachment; filename="rejects-1.csv"`},
		{"青山县-台账-2026-12.xlsx", "ledger-2026-12.xlsx", `attachment; filename="ledger-2026-12.xlsx"; filename*=UTF-8''%E9%9D%92%E5%B1%B1%E5%8E%BF-%E5%8F%B0%E8%B4%A6-2026-12.xlsx`},
		{"照片 1.jpg", "", `attachment; filename="1.jpg"; filename*=UTF-8''%E7%85%A7%E7%89%87%201.jpg`},
		{"现场.jpg", "", `attachment; filename="download.jpg"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg`},
		{"a\"b/c\r\n.txt", "", `attachment; filename="a_b_c__.txt"`}, // quotes, slashes and control bytes never reach the header
	} {
		if got := contentDisposition(c.name, c.fallback); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
