package roster_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"tandem/roster"
	"tandem/roster/rostertest"
)

// TestXLSXManyRows reads parts far larger than the readers' buffers, shared and inline
// strings with entities, so that every token boundary falls on a buffer boundary somewhere.
func TestXLSXManyRows(t *testing.T) {
	const n = 30000
	var sheet, shared strings.Builder
	shared.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst count="1"><si><t>统一社会信用代码</t></si><si><r><t>企业</t></r><r><t>名称</t></r></si>`)
	sheet.WriteString(`<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	for i := range n {
		shared.WriteString(`<si><t>91110108551385082Q</t></si>`)
		if i%2 == 0 {
			fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>甲&amp;乙%d</t></is></c></row>`, i+2, i+2, i+2, i+2, i)
		} else {
			fmt.Fprintf(&sheet, `<row r="%d" spans="1:2"><c r="A%d" t="s" s="1"><v>%d</v></c><c r="B%d" t="str"><f>X</f><v>甲&amp;乙%d</v></c></row>`, i+2, i+2, i+2, i+2, i)
		}
	}
	shared.WriteString(`</sst>`)
	sheet.WriteString(`</sheetData></worksheet>`)
	got, err := parseFile(t, rostertest.SheetXLSX([]byte(sheet.String()), []byte(shared.String())), "x.xlsx", roster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != n || len(got.Rejects) != 0 || len(got.Warnings) != 0 {
		t.Fatalf("%d records, %d rejects, %d warnings", len(got.Records), len(got.Rejects), len(got.Warnings))
	}
	for i, r := range got.Records {
		if want := fmt.Sprintf("甲&乙%d", i); r.Name != want || r.Row != i+2 {
			t.Fatalf("record %d: %+v, want name %q", i, r, want)
		}
	}
}

// FuzzCSVMatchesEncodingCSV: for text within the bounds, the CSV reader gives the cells that
// encoding/csv gives with LazyQuotes.
func FuzzCSVMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{"a,b\n\n\"c\"\"d\",e\r\n", "\"x\ny\"\r\n,\n", "a\"b,\"c\"d\"\n\"e", "\r\n\r\n1,2\r", "\"a\"\r\"b\"", ",,\n,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) || bytes.ContainsFunc(data, func(r rune) bool {
			return r < 0x20 && r != '\n' && r != '\r' || r == 0x7F || r >= 0x80 && r <= 0x9F || r == '\uFEFF'
		}) ||
			bytes.Count(data, []byte(",")) >= roster.MaxColumns || len(data) > 4096 {
			return
		}
		want := [][]string{}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord, cr.LazyQuotes = -1, true
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return // LazyQuotes hardly errs; a case it does is not compared
			}
			want = append(want, rec)
		}
		rr, _, err := roster.Open(bytes.NewReader(data), int64(len(data)), "f.csv", roster.Options{Encoding: "utf-8"})
		if err != nil {
			t.Fatal(err)
		}
		got := [][]string{}
		for {
			row, err := rr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row.Cells)
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("input %q:\n got %q\nwant %q", data, got, want)
		}
	})
}

// BenchmarkCSVReader compares the bounded CSV reader with encoding/csv on the same 100,000
// rows, in the same run.
func BenchmarkCSVReader(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("统一社会信用代码,企业名称,所属乡镇（街道）,行业门类,从业人数,登记状态\n")
	for i := range 100000 {
		fmt.Fprintf(&buf, "91110108551385082Q,企业%07d有限公司,乡镇%04d,制造业,%d,\"存续\"\n", i, i%2000, 3+i%200)
	}
	data := buf.Bytes()
	b.Run("roster", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			rr, _, _ := roster.Open(bytes.NewReader(data), int64(len(data)), "x.csv", roster.Options{Encoding: "utf-8"})
			for {
				if _, err := rr.Next(); err != nil {
					break
				}
			}
		}
	})
	b.Run("encoding_csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = -1, true, true
			for {
				rec, err := cr.Read()
				if err != nil {
					break
				}
				_ = slices.Clone(rec)
			}
		}
	})
}

// TestXLSXSheets: the sheet named is read, the first by default; an unknown one is an error
// naming it. The workbook is written by excelize, as departments' tools write them.
func TestXLSXSheets(t *testing.T) {
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "说明")
	_ = f.SetCellValue("说明", "A1", "本表为名册")
	if _, err := f.NewSheet("名册"); err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"统一社会信用代码", "企业名称", "从业人数", "是否建立党组织"}, {"91110108551385082Q", "青山\n科技", 12, true}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("名册", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := parseFile(t, buf.Bytes(), "x.xlsx", roster.Options{}); err == nil || !strings.Contains(err.Error(), "header") {
		t.Fatalf("first sheet: %v", err)
	}
	got, err := parseFile(t, buf.Bytes(), "x.xlsx", roster.Options{Sheet: "名册"})
	if err != nil || len(got.Records) != 1 {
		t.Fatalf("%v %+v", err, got)
	}
	if r := got.Records[0]; r.Name != "青山科技" || r.Employees == nil || *r.Employees != 12 || r.PartyOrg != "yes" {
		t.Fatalf("record %+v", r)
	}
	if _, err := parseFile(t, buf.Bytes(), "x.xlsx", roster.Options{Sheet: "无"}); err == nil || !strings.Contains(err.Error(), `"无"`) {
		t.Fatalf("unknown sheet: %v", err)
	}
}
