// Package rostertest writes hostile files for tests of the readers: generated as streams, so
// that no big file is committed and the generator holds little memory.
package rostertest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"strings"
)

// OneCellXLSX writes an XLSX whose sheet holds a header row (统一社会信用代码, 企业名称) and one
// data row whose name is a text of cellBytes bytes; shared says whether that text sits in the
// shared-string table (as Excel writes it) or inline in the sheet. Deflated, 1.1 GB of text
// makes a file of about 1.1 MB.
func OneCellXLSX(w io.Writer, cellBytes int64, shared bool) error {
	z := zip.NewWriter(w)
	part := func(name, body string) error {
		w, err := z.Create(name)
		if err == nil {
			_, err = io.WriteString(w, body)
		}
		return err
	}
	if err := writeSkeleton(part); err != nil {
		return err
	}
	big := func(w io.Writer) error {
		chunk := []byte(strings.Repeat("党", 1<<16/3))
		left := cellBytes
		for ; left >= int64(len(chunk)); left -= int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
		_, err := w.Write(bytes.Repeat([]byte("a"), int(left)))
		return err
	}
	sheet, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(sheet, 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	bw.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	bw.WriteString(`<row r="2"><c r="A2" t="s"><v>2</v></c>`)
	if shared {
		bw.WriteString(`<c r="B2" t="s"><v>3</v></c>`)
	} else {
		bw.WriteString(`<c r="B2" t="inlineStr"><is><t>`)
		if err := big(bw); err != nil {
			return err
		}
		bw.WriteString(`</t></is></c>`)
	}
	bw.WriteString(`</row></sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	ss, err := z.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw = bufio.NewWriterSize(ss, 1<<16)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	bw.WriteString(`<si><t>统一社会信用代码</t></si><si><t>企业名称</t></si><si><t>91110108551385082Q</t></si>`)
	if shared {
		bw.WriteString(`<si><t>`)
		if err := big(bw); err != nil {
			return err
		}
		bw.WriteString(`</t></si>`)
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}

func writeSkeleton(part func(name, body string) error) error {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
	} {
		if err := part(p[0], p[1]); err != nil {
			return err
		}
	}
	return nil
}

// SheetXLSX wraps a sheet XML and a shared-string XML (either may be empty) in a workbook:
// for fuzzing the XLSX reader past the container.
func SheetXLSX(sheet, shared []byte) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	part := func(name, body string) error {
		w, err := z.Create(name)
		if err == nil {
			_, err = io.WriteString(w, body)
		}
		return err
	}
	_ = writeSkeleton(part)
	_ = part("xl/worksheets/sheet1.xml", string(sheet))
	if len(shared) > 0 {
		_ = part("xl/sharedStrings.xml", string(shared))
	}
	_ = z.Close()
	return buf.Bytes()
}

// WideCSV writes a CSV with a header row (统一社会信用代码, 企业名称) and a data row of
// columns more cells of "123" after its code and name: a million make a file of 4 MB.
func WideCSV(w io.Writer, columns int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("统一社会信用代码,企业名称\n91110108551385082Q,青山科技有限公司")
	for range columns {
		bw.WriteString(",123")
	}
	bw.WriteString("\n")
	return bw.Flush()
}
