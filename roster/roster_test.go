package roster_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"tandem/roster"
	"tandem/roster/rostertest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type parsed struct {
	Encoding  string
	HeaderRow int
	Mapping   roster.Mapping
	Records   []roster.Record
	Rejects   []roster.Issue
	Warnings  []roster.Issue
}

func parseFile(t testing.TB, data []byte, name string, opts roster.Options) (parsed, error) {
	rr, enc, err := roster.Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err != nil {
		return parsed{}, err
	}
	defer rr.Close()
	p, err := roster.NewParser(rr, nil)
	if err != nil {
		return parsed{}, err
	}
	out := parsed{Encoding: enc, HeaderRow: p.HeaderRow(), Mapping: p.Mapping()}
	for {
		rec, rej, warns, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out.Warnings = append(out.Warnings, warns...)
		if rej != nil {
			out.Rejects = append(out.Rejects, *rej)
		} else {
			out.Records = append(out.Records, rec)
		}
	}
}

// TestGolden parses the messy rosters under testdata and compares with the golden output.
func TestGolden(t *testing.T) {
	for _, name := range []string{"market-gbk.csv", "tax-header-row2.xlsx", "social-bom.csv", "annual-report.csv"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseFile(t, data, name, roster.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.MarshalIndent(got, "", "  ")
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("output differs from %s (run with -update after checking):\n%s", golden, b)
			}
		})
	}
}

func TestEncodingsAndShapes(t *testing.T) {
	t.Run("ExplicitEncodingWins", func(t *testing.T) {
		data, _ := os.ReadFile("testdata/market-gbk.csv")
		got, err := parseFile(t, data, "x.csv", roster.Options{Encoding: "gbk"})
		if err != nil || got.Encoding != "gbk" || len(got.Records) != 4 {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("ErrNoHeader", func(t *testing.T) {
		_, err := parseFile(t, []byte("a,b\n1,2\n"), "x.csv", roster.Options{})
		if err == nil || !strings.Contains(err.Error(), "header") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrOldExcel", func(t *testing.T) {
		_, err := parseFile(t, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "x.xls", roster.Options{})
		if !errors.Is(err, roster.ErrFormat) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("RowNumbersCountBlankAndMultilineRows", func(t *testing.T) {
		csv := "统一社会信用代码,名称\n\n91110108551385082Q,\"两行\n名称\"\n\n\nbad,x\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Records[0].Row != 3 || got.Rejects[0].Row != 6 {
			t.Fatalf("rows: record %d (want 3), reject %d (want 6)", got.Records[0].Row, got.Rejects[0].Row)
		}
		// A line break inside a cell is layout: the name reads as one line.
		if got.Records[0].Name != "两行名称" {
			t.Fatalf("name %q", got.Records[0].Name)
		}
	})
	t.Run("LineBreaksInCellsAndSpacedCodes", func(t *testing.T) {
		csv := "统一社会信用代码,名称,所属乡镇（街道）\n\"9111 0108 5513 8508 2Q\",甲,\"西湖 \r\n 街道\"\n"
		got, err := parseFile(t, []byte(csv), "x.csv", roster.Options{})
		if err != nil || len(got.Records) != 1 {
			t.Fatalf("%+v %v", got, err)
		}
		if r := got.Records[0]; r.USCC != "91110108551385082Q" || r.Township != "西湖街道" {
			t.Fatalf("record %+v", r)
		}
	})
	t.Run("Neutralize", func(t *testing.T) {
		for in, want := range map[string]string{"=1+1": "'=1+1", "+86": "'+86", "-2": "'-2", "@x": "'@x", "公司": "公司", "": ""} {
			if got := roster.Neutralize(in); got != want {
				t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

// FuzzParse: any bytes, read as a CSV or (by content) an XLSX, never panic; every data row is
// a record or a reject; records carry valid codes; no issue echoes more than a short prefix.
// Seeds: the rosters under testdata (CSV and XLSX) and small hostile files.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"market-gbk.csv", "social-bom.csv", "annual-report.csv", "tax-header-row2.xlsx"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("统一社会信用代码\n\"unterminated"))
	f.Add([]byte("统一社会信用代码,名称,名称\n91110108551385082Q,\"a\"\"b\"c\x00\r\n\n\n,"))
	var wide, big bytes.Buffer
	_ = rostertest.WideCSV(&wide, 600)
	f.Add(wide.Bytes())
	_ = rostertest.OneCellXLSX(&big, roster.MaxCellRunes+10, true)
	f.Add(big.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParsed(t, data)
	})
}

// FuzzXLSX fuzzes the sheet and shared-string XML inside a well-formed container, where
// FuzzParse's mutations of a ZIP rarely reach.
func FuzzXLSX(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="inlineStr"><is><r><t>名</t></r><r><t>称</t></r></is></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="str"><f>A1</f><v>x&amp;y&#x4e00;</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>统一社会信用代码</t></si><si><r><t>9111010855138</t></r><r><t>5082Q</t></r><rPh><t>x</t></rPh></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData><row><c><v><![CDATA[1]]></v></c></row><row r="9"/></sheetData></worksheet>`), []byte(`<sst><si/></sst>`))
	f.Fuzz(func(t *testing.T, sheet, shared []byte) {
		checkParsed(t, rostertest.SheetXLSX(sheet, shared))
	})
}

func checkParsed(t *testing.T, data []byte) {
	got, err := parseFile(t, data, "f.csv", roster.Options{})
	if err != nil {
		if len(err.Error()) > 1024 {
			t.Fatalf("error of %d bytes", len(err.Error()))
		}
		return
	}
	for _, r := range got.Records {
		if len(r.USCC) != 18 || r.Row <= got.HeaderRow {
			t.Fatalf("record %+v after header %d", r, got.HeaderRow)
		}
		// What reaches the store is text PostgreSQL takes: UTF-8, no NUL.
		for _, v := range []string{r.Name, r.Township, r.Industry, r.Supervisor, r.RegStatus, r.Address} {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Fatalf("record %+v holds %q", r, v)
			}
		}
	}
	for _, r := range got.Rejects {
		if r.Reason == "" || r.Message == "" || r.Row <= got.HeaderRow {
			t.Fatalf("reject %+v", r)
		}
		checkEcho(t, r)
	}
	for _, w := range got.Warnings {
		if w.Reason == "" || w.Message == "" || w.Row < got.HeaderRow {
			t.Fatalf("warning %+v", w)
		}
		checkEcho(t, w)
	}
}

func TestFileSource(t *testing.T) {
	for s, want := range map[string]bool{"market": true, "annual_report": true, "field": false, "registration": false, "nope": false, "": false} {
		if got := roster.FileSource(s); got != want {
			t.Errorf("FileSource(%q) = %v, want %v", s, got, want)
		}
	}
}
