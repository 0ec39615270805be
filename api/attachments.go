package api

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// MaxAttachmentSize bounds one evidence file.
const MaxAttachmentSize = 10 << 20

// attachmentTypes are the evidence formats accepted, by the type sniffed from the content.
// Office files are ZIP containers; their extension says which.
var attachmentTypes = map[string]bool{
	"application/pdf": true, "image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"text/plain; charset=utf-8": true, "text/csv": true,
}

var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// contentTypeOf decides an upload's type from its bytes (never from what the client claims).
func contentTypeOf(filename string, data []byte) (string, bool) {
	sniffed := http.DetectContentType(data)
	ext := strings.ToLower(filepath.Ext(filename))
	if sniffed == "application/zip" {
		t, ok := officeTypes[ext]
		return t, ok
	}
	if strings.HasPrefix(sniffed, "text/plain") && ext == ".csv" {
		return "text/csv", true
	}
	return sniffed, attachmentTypes[sniffed]
}

func (s *Server) addAttachment(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxAttachmentSize+1<<20)
	if err := s.checkUploadQuota(c); err != nil {
		fail(c, err)
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		if strings.Contains(err.Error(), "request body too large") {
			writeProblem(c, http.StatusRequestEntityTooLarge, "附件不能超过 10 MiB")
			return
		}
		fail(c, domain.Invalid("需要 multipart 表单，并带 file 字段", domain.FieldFailed("file", domain.CodeRequired)))
		return
	}
	if err := checkForm(c); err != nil {
		fail(c, err)
		return
	}
	if fh.Size > MaxAttachmentSize {
		writeProblem(c, http.StatusRequestEntityTooLarge, "附件不能超过 10 MiB")
		return
	}
	f, err := fh.Open()
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAttachmentSize+1))
	if err != nil {
		fail(c, err)
		return
	}
	if len(data) == 0 {
		fail(c, domain.Invalid("文件为空", domain.FieldFailed("file", domain.CodeEmpty)))
		return
	}
	name := filepath.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	ctype, ok := contentTypeOf(name, data)
	if !ok {
		writeProblem(c, http.StatusUnsupportedMediaType, "可上传的证明材料：PDF、JPEG、PNG、GIF、WebP、纯文本、CSV、DOCX、XLSX、PPTX；该文件看起来是 "+ctype)
		return
	}
	a, err := s.Store.AddAttachment(c.Request.Context(), principal(c), c.Param("id"), name, ctype, data)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, attachmentFrom(a))
}

func (s *Server) getAttachment(c *gin.Context) {
	a, data, err := s.Store.AttachmentContent(c.Request.Context(), principal(c), c.Param("id"), c.Param("attachment"))
	if err != nil {
		fail(c, err)
		return
	}
	attachment(c, a.Filename, "")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Digest", "sha-256="+a.SHA256)
	c.Data(http.StatusOK, a.ContentType, data)
}
