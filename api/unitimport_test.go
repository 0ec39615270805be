package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"
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
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "units.csv")
		fw.Write([]byte(csv))
		w.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/units/import", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+admin.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != 200 {
			t.Fatalf("import: %d %v", res.StatusCode, out)
		}
		return out
	}
	first := upload()
	if first["created"] != float64(4) || first["rejected"] != float64(2) {
		t.Fatalf("first import %v", first)
	}
	issues := first["issues"].([]any)
	if issues[0].(map[string]any)["row"] != float64(6) || issues[1].(map[string]any)["field"] != "parent" {
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
