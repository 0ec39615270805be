package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"tandem/roster"
	"tandem/roster/rostertest"
)

func TestImportUnits(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	csv := "\uFEFF名称,网,类型,上级,别名\n" +
		"青山县,区域,县,,\n" +
		"东风街道,区域,街道,青山县,东风镇；老东风\n" +
		"科技园,,园区,青山县/东风街道,\n" +
		"非公经济行业党委,行业,行业党委,,\n" +
		"坏单位,区域,省,,\n" +
		"孤儿街道,区域,街道,不存在县,\n"
	upload := func() map[string]any {
		status, body := uploadUnits(t, srv.URL, admin.token, "units.csv", []byte(csv))
		var out map[string]any
		_ = json.Unmarshal(body, &out)
		if status != 200 {
			t.Fatalf("import: %d %v", status, out)
		}
		return out
	}
	first := upload()
	if first["created"] != float64(4) || first["rejected"] != float64(2) {
		t.Fatalf("first import %v", first)
	}
	issues := first["issues"].([]any)
	if issues[0].(map[string]any)["row"] != float64(6) || issues[0].(map[string]any)["field"] != "kind" ||
		!strings.Contains(issues[0].(map[string]any)["reason"].(string), "类型无法识别") || issues[1].(map[string]any)["field"] != "parent" {
		t.Fatalf("issues %v", issues)
	}
	again := upload()
	if again["created"] != float64(0) || again["existing"] != float64(4) {
		t.Fatalf("second import %v", again)
	}
	_, _, units := admin.do("GET", "/api/v1/units?name=东风街道", "")
	id := units["items"].([]any)[0].(map[string]any)["id"].(string)
	_, _, al := admin.do("GET", "/api/v1/units/"+id+"/aliases", "")
	if len(al["aliases"].([]any)) != 2 {
		t.Fatalf("aliases %v", al)
	}
}

// TestImportUnitsHostileFiles: files built to exhaust the server get short answers: a refusal
// that names the limit (nothing created), or a warning for the emptied cell.
func TestImportUnitsHostileFiles(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	upload := func(t *testing.T, name string, data []byte, limit int) (int, []byte) {
		t.Helper()
		status, body := uploadUnits(t, srv.URL, admin.token, name, data)
		if len(body) > limit {
			t.Fatalf("%s: answer of %d bytes: %.300s", name, len(body), body)
		}
		return status, body
	}
	t.Run("OneCellXLSXRefused", func(t *testing.T) {
		var file bytes.Buffer
		if err := rostertest.OneCellXLSX(&file, 80<<20, true); err != nil {
			t.Fatal(err)
		}
		code, body := upload(t, "big.xlsx", file.Bytes(), 4096)
		if code != 422 || !strings.Contains(string(body), "超过 64 MB") {
			t.Fatalf("%d %s", code, body)
		}
	})
	t.Run("WideCSVRefusedBeforeAnyUnit", func(t *testing.T) {
		csv := "名称,类型\n先行县,县\n宽县,县" + strings.Repeat(",x", 1_000_000) + "\n"
		code, body := upload(t, "wide.csv", []byte(csv), 4096)
		if code != 422 || !strings.Contains(string(body), "第 3 行超过 512 列") {
			t.Fatalf("%d %s", code, body)
		}
		_, _, units := admin.do("GET", "/api/v1/units?name=先行县", "")
		if n := len(units["items"].([]any)); n != 0 {
			t.Fatalf("a refused file created %d units", n)
		}
	})
	t.Run("LongCellAndControlCharacterWarned", func(t *testing.T) {
		csv := "名称,类型,名称\n" + strings.Repeat("长", roster.MaxCellRunes+1) + ",县,x\n控\x01制县,县,\n好县,县,\n" +
			strings.Repeat("无此类型县,省\n", 150)
		code, body := upload(t, "cells.csv", []byte(csv), 16<<10) // 100 issues listed of 152
		var out struct {
			Created, Rejected, Warned int
			Issues, Warnings          []map[string]any
		}
		if err := json.Unmarshal(body, &out); err != nil || code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		if out.Created != 1 || out.Rejected != 152 || len(out.Issues) != 100 || out.Warned != 3 || len(out.Warnings) != 3 {
			t.Fatalf("%s", body)
		}
		w := out.Warnings
		if !strings.Contains(w[0]["reason"].(string), "第 3 列与第 1 列表头相同") ||
			w[1]["row"] != float64(2) || !strings.Contains(w[1]["reason"].(string), "32767") || w[1]["field"] != "name" ||
			w[2]["row"] != float64(3) || !strings.Contains(w[2]["reason"].(string), "控制字符") {
			t.Fatalf("warnings %v", w)
		}
	})
}

// uploadUnits posts a units file and returns the status and the answer.
func uploadUnits(t *testing.T, base, token, name string, data []byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/units/import", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}
