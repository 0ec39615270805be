package roster_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"tandem/roster"
	"tandem/roster/rostertest"
)

// allocated runs f and returns the bytes it allocated on the heap: a bound on what the parser
// held, whatever the garbage collector did meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func checkEcho(t *testing.T, i roster.Issue) {
	t.Helper()
	if !utf8.ValidString(i.Raw) || strings.ContainsRune(i.Raw, 0) {
		t.Errorf("issue raw %q is not storable text", i.Raw)
	}
	if n := utf8.RuneCountInString(i.Raw); n > roster.EchoRunes+1 {
		t.Errorf("issue echoes %d runes of raw text: %+v", n, i.Reason)
	}
	if len(i.Message) > 512 {
		t.Errorf("issue message of %d bytes", len(i.Message))
	}
}

// TestHostileOneCellXLSX: a cell of 1.1 GB in the shared strings (as Excel writes it; 64 MB
// with -short) or of 64 MB inline is emptied with a warning naming the row and the limit; the
// row is kept; the parser allocates a small fraction of the text.
func TestHostileOneCellXLSX(t *testing.T) {
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			cell := int64(64 << 20)
			if shared && !testing.Short() {
				cell = 1100 << 20
			}
			var file bytes.Buffer
			if err := rostertest.OneCellXLSX(&file, cell, shared); err != nil {
				t.Fatal(err)
			}
			data := file.Bytes()
			var got parsed
			var err error
			alloc := allocated(func() { got, err = parseFile(t, data, "big.xlsx", roster.Options{}) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("file %d KB, text %d MB, parser allocated %d KB", len(data)>>10, cell>>20, alloc>>10)
			if alloc > 16<<20 {
				t.Errorf("parser allocated %d MB for a file with a %d MB cell (bound 16 MB)", alloc>>20, cell>>20)
			}
			if len(got.Records) != 1 || got.Records[0].Name != "" || got.Records[0].USCC != "91110108551385082Q" {
				t.Fatalf("records %+v", got.Records)
			}
			if len(got.Warnings) != 1 {
				t.Fatalf("warnings %+v", got.Warnings)
			}
			w := got.Warnings[0]
			if w.Reason != roster.WarnCellTooLong || w.Field != roster.FieldName || w.Row != 2 ||
				!strings.Contains(w.Message, "第 2 行") || !strings.Contains(w.Message, "32767") || !strings.HasPrefix(w.Raw, "党党") {
				t.Fatalf("warning %+v", w)
			}
			checkEcho(t, w)
		})
	}
}

// TestHostileWideCSV: a row of a million columns refuses the file with an error naming the row
// and the bound, before the row is held.
func TestHostileWideCSV(t *testing.T) {
	var file bytes.Buffer
	if err := rostertest.WideCSV(&file, 1_000_000); err != nil {
		t.Fatal(err)
	}
	data := file.Bytes()
	var err error
	alloc := allocated(func() { _, err = parseFile(t, data, "wide.csv", roster.Options{}) })
	t.Logf("file %d KB, parser allocated %d KB", len(data)>>10, alloc>>10)
	if err == nil || !strings.Contains(err.Error(), "第 2 行超过 512 列") {
		t.Fatalf("got %v", err)
	}
	if len(err.Error()) > 256 {
		t.Fatalf("error of %d bytes", len(err.Error()))
	}
	if alloc > 4<<20 {
		t.Errorf("parser allocated %d MB (bound 4 MB)", alloc>>20)
	}
}

func TestHostileCells(t *testing.T) {
	long := strings.Repeat("长", roster.MaxCellRunes+1)
	t.Run("CSVCellTooLong", func(t *testing.T) {
		csv := "统一社会信用代码,企业名称\n91110108551385082Q," + long + "\n91440300715267267XG,\"" + strings.Repeat("x", roster.MaxCellRunes) + "\"\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Warnings) != 1 || got.Warnings[0].Row != 2 || got.Warnings[0].Reason != roster.WarnCellTooLong {
			t.Fatalf("warnings %+v", got.Warnings)
		}
		checkEcho(t, got.Warnings[0])
		// Exactly at the limit is kept.
		if len(got.Rejects) != 1 || len(got.Records) != 1 || got.Records[0].Name != "" {
			t.Fatalf("records %+v rejects %+v", got.Records, got.Rejects)
		}
	})
	t.Run("CellAtLimitKept", func(t *testing.T) {
		csv := "统一社会信用代码,企业名称\n91110108551385082Q," + strings.Repeat("长", roster.MaxCellRunes) + "\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || len(got.Warnings) != 0 || utf8.RuneCountInString(got.Records[0].Name) != roster.MaxCellRunes {
			t.Fatalf("%v %+v", err, got.Warnings)
		}
	})
	t.Run("LongCodeRejectEchoesPrefix", func(t *testing.T) {
		csv := "统一社会信用代码,企业名称\n" + strings.Repeat("9", 30000) + ",甲\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || len(got.Rejects) != 1 {
			t.Fatalf("%v %+v", err, got.Rejects)
		}
		checkEcho(t, got.Rejects[0])
	})
	t.Run("ControlCharacters", func(t *testing.T) {
		csv := "统一社会信用代码,企业名称,所属乡镇（街道）,从业人数\n91110108551385082Q,青山\x00科技,东风\t街道,1\x1b2\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || len(got.Records) != 1 {
			t.Fatalf("%v %+v", err, got)
		}
		r := got.Records[0]
		if r.Name != "" || r.Township != "东风\t街道" || r.Employees != nil {
			t.Fatalf("record %+v", r)
		}
		if len(got.Warnings) != 2 || got.Warnings[0].Field != roster.FieldEmployees || got.Warnings[1].Field != roster.FieldName ||
			got.Warnings[1].Reason != roster.WarnControlChar || strings.ContainsRune(got.Warnings[1].Raw, 0) {
			t.Fatalf("warnings %+v", got.Warnings)
		}
	})
	t.Run("BadEncodingLate", func(t *testing.T) {
		// ASCII for the first 64 KB, then GBK bytes: read as UTF-8, the cell is a warning.
		csv := "统一社会信用代码,企业名称\n" + strings.Repeat("91440300715267267XG,a\n", 4000) + "91110108551385082Q,\xC7\xE0\xC9\xBD\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || got.Encoding != "utf-8" || len(got.Warnings) != 1 || got.Warnings[0].Reason != roster.WarnBadEncoding || !utf8.ValidString(got.Warnings[0].Raw) {
			t.Fatalf("%v %s %+v", err, got.Encoding, got.Warnings)
		}
	})
	t.Run("ShortFileWithANUL", func(t *testing.T) {
		got, err := parseFile(t, []byte("uscc,name\n91110108551385082Q,\x00\n"), "x.csv", roster.Options{})
		if err != nil || len(got.Records) != 1 || len(got.Warnings) != 1 {
			t.Fatalf("%v %+v", err, got)
		}
	})
	t.Run("BinaryRefused", func(t *testing.T) {
		if _, err := parseFile(t, bytes.Repeat([]byte{0, 1, 2, 3}, 100), "x.csv", roster.Options{}); !errors.Is(err, roster.ErrFormat) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ControlCharacterInXLSX", func(t *testing.T) {
		sheet := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>统一社会信用代码</t></is></c><c t="inlineStr"><is><t>企业名称</t></is></c></row>` +
			`<row r="3"><c t="inlineStr"><is><t>91110108551385082Q</t></is></c><c t="inlineStr"><is><t>青山_x0001_科技</t></is></c></row></sheetData></worksheet>`
		got, err := parseFile(t, rostertest.SheetXLSX([]byte(sheet), nil), "x.xlsx", roster.Options{})
		if err != nil || len(got.Records) != 1 || got.Records[0].Row != 3 {
			t.Fatalf("%v %+v", err, got)
		}
		if len(got.Warnings) != 1 || got.Warnings[0].Reason != roster.WarnControlChar || got.Warnings[0].Row != 3 {
			t.Fatalf("warnings %+v", got.Warnings)
		}
	})
	t.Run("DuplicateHeader", func(t *testing.T) {
		csv := "统一社会信用代码,企业名称,行业,企业名称\n91110108551385082Q,甲,制造业,乙\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || len(got.Records) != 1 || got.Records[0].Name != "甲" {
			t.Fatalf("%v %+v", err, got)
		}
		if len(got.Warnings) != 1 {
			t.Fatalf("warnings %+v", got.Warnings)
		}
		w := got.Warnings[0]
		if w.Reason != roster.WarnDuplicateHeader || w.Row != 1 || !strings.Contains(w.Message, "第 4 列与第 2 列") || !strings.Contains(w.Message, "企业名称") {
			t.Fatalf("warning %+v", w)
		}
	})
	t.Run("WideXLSXRow", func(t *testing.T) {
		sheet := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>统一社会信用代码</t></is></c></row>` +
			`<row r="2"><c t="inlineStr"><is><t>91110108551385082Q</t></is></c><c r="ZZ2"><v>1</v></c></row></sheetData></worksheet>`
		_, err := parseFile(t, rostertest.SheetXLSX([]byte(sheet), nil), "x.xlsx", roster.Options{})
		if err == nil || !strings.Contains(err.Error(), "第 2 行超过 512 列") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ZipBomb", func(t *testing.T) {
		var file bytes.Buffer
		if err := rostertest.OneCellXLSX(&file, 8<<20, false); err != nil {
			t.Fatal(err)
		}
		_, err := parseFile(t, file.Bytes(), "x.xlsx", roster.Options{MaxBytes: 4 << 20})
		if err == nil || !strings.Contains(err.Error(), "超过 4 MB") {
			t.Fatalf("got %v", err)
		}
		_, err = parseFile(t, []byte("统一社会信用代码\n"+strings.Repeat("91110108551385082Q\n", 300000)), "x.csv", roster.Options{MaxBytes: 4 << 20})
		if err == nil || !strings.Contains(err.Error(), "超过 4 MB") {
			t.Fatalf("CSV: got %v", err)
		}
	})
	t.Run("TooManyParts", func(t *testing.T) {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		for i := range 10001 {
			if _, err := z.Create(fmt.Sprintf("p%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		z.Close()
		_, err := parseFile(t, buf.Bytes(), "x.xlsx", roster.Options{})
		if err == nil || !strings.Contains(err.Error(), "10001 个条目") {
			t.Fatalf("got %v", err)
		}
	})
}
