package roster_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var gen = flag.Bool("gen", false, "write the messy input files under testdata/")

// TestGenerateFixtures writes the test rosters: the messy shapes departments deliver.
func TestGenerateFixtures(t *testing.T) {
	if !*gen {
		t.Skip("run with -gen to rewrite testdata inputs")
	}
	// Market supervision: GBK, trailing spaces, full-width code, a lower-case code, a bad check
	// character, a legacy 15-digit number, a blank line, a duplicate, a formula-looking name.
	market := "统一社会信用代码,企业名称,所属乡镇（街道）,行业门类,从业人数,登记状态\r\n" +
		"91110108551385082Q ,青山科技有限公司  ,东风街道,信息传输、软件和信息技术服务业,120,存续\r\n" +
		"９１４４０３００７１５２６７２６ＸＧ,南湖物流有限公司,南湖镇,交通运输、仓储和邮政业,45,在业\r\n" +
		"914403001922038216,老城餐饮有限公司,老城街道,住宿和餐饮业,八十,存续\r\n" +
		"91110108551385082A,校验错误公司,东风街道,制造业,10,存续\r\n" +
		"110108001234567,旧注册号公司,东风街道,制造业,5,存续\r\n" +
		"\r\n" +
		",缺代码公司,东风街道,制造业,3,存续\r\n" +
		"91350100M000100Y43,=HYPERLINK(\"x\"),东风街道,制造业,7,注销\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(market))
	if err != nil {
		t.Fatal(err)
	}
	write(t, "market-gbk.csv", gbk)

	// Tax: XLSX with a title on row 1 and the header on row 2; disagrees with market on the
	// head count of 91110108551385082Q and on the township of 9144030071526726XG.
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	rows := [][]any{
		{"2026年10月纳税人名册（税务局）"},
		{"纳税人识别号", "纳税人名称", "所属街道", "从业人数"},
		{"91110108551385082Q", "青山科技有限公司", "东风街道", 80},
		{"9144030071526726XG", "南湖物流有限公司", "东风街道", 45},
		{"91110108551385082Q", "青山科技有限公司", "东风街道", 80},
		{"ABC", "坏代码", "东风街道", 1},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	write(t, "tax-header-row2.xlsx", buf.Bytes())

	// Social security: UTF-8 with a BOM, its own header names.
	social := "\uFEFF单位统一社会信用代码,单位名称,参保人数,所属乡镇\n" +
		"914403001922038216,老城餐饮有限公司,12,老城街道\n" +
		"91110108551385082Q,青山科技有限公司,80,东风街道\n"
	write(t, "social-bom.csv", []byte(social))
}

func write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
