package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// IdempotencyKeyTTL is how long a stored answer is replayed.
const IdempotencyKeyTTL = 24 * time.Hour

// idempotency honours the Idempotency-Key header on POSTs: the first request's answer is
// stored and a retry with the same key gets it again, without acting twice. A key reused for a
// different request is a 422; a retry while the first is still being served is a 409.
// Only successful (2xx) answers are stored; after a failure the key is free again, so the
// client may correct the request and retry.
func (s *Server) idempotency() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		if c.Request.Method != http.MethodPost || key == "" {
			c.Next()
			return
		}
		if len(key) > 255 {
			writeProblem(c, http.StatusBadRequest, "Idempotency-Key 不能超过 255 个字符")
			return
		}
		sum := sha256.New()
		sum.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
		if strings.HasPrefix(c.ContentType(), "multipart/") {
			// An upload may be large: hash it while spooling it to a temp file, not to memory.
			spool, err := os.CreateTemp("", "tandem-upload-*")
			if err != nil {
				fail(c, err)
				return
			}
			defer os.Remove(spool.Name())
			defer spool.Close()
			body := http.MaxBytesReader(c.Writer, c.Request.Body, MaxRosterSize+1<<20)
			if _, err := io.Copy(spool, body); err != nil {
				writeProblem(c, http.StatusRequestEntityTooLarge, "请求体过大")
				return
			}
			// Hash the parts, not the raw body: a client's retry may choose another boundary.
			if err := hashParts(sum, spool, c.Request.Header.Get("Content-Type")); err != nil {
				writeProblem(c, http.StatusBadRequest, "multipart 请求体格式不正确")
				return
			}
			if _, err := spool.Seek(0, io.SeekStart); err != nil {
				fail(c, err)
				return
			}
			c.Request.Body = spool
		} else {
			body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody))
			if err != nil {
				writeProblem(c, http.StatusRequestEntityTooLarge, "请求体过大")
				return
			}
			c.Request.Body = io.NopCloser(bytes.NewReader(body))
			sum.Write(body)
		}
		hash := hex.EncodeToString(sum.Sum(nil))

		p := principal(c)
		ctx := c.Request.Context()
		stored, reserved, err := s.Store.ReserveIdempotencyKey(ctx, p.UserID, key, c.Request.Method, c.Request.URL.Path, hash)
		if err != nil {
			fail(c, err)
			return
		}
		if !reserved {
			switch {
			case stored.RequestHash != hash:
				writeProblem(c, http.StatusUnprocessableEntity, "该 Idempotency-Key 已用于另一个不同的请求")
			case stored.Status == 0:
				writeProblem(c, http.StatusConflict, "使用该 Idempotency-Key 的请求仍在处理中")
			default:
				c.Header("Idempotent-Replayed", "true")
				c.Data(stored.Status, "application/json", []byte(stored.Body))
				c.Abort()
			}
			return
		}

		rec := &recordingWriter{ResponseWriter: c.Writer}
		c.Writer = rec
		c.Next()
		// The request's context may be cancelled by now; the bookkeeping must still happen.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if status := rec.Status(); status < 200 || status > 299 {
			_ = s.Store.ReleaseIdempotencyKey(bg, p.UserID, key)
		} else {
			_ = s.Store.FinishIdempotencyKey(bg, p.UserID, key, status, rec.body.String())
		}
	}
}

type recordingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

// hashParts writes each part's name, filename and content of a multipart body into h.
func hashParts(h io.Writer, body io.ReadSeeker, contentType string) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return errors.New("no multipart boundary")
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "\x00%s\x00%s\x00", part.FormName(), part.FileName())
		if _, err := io.Copy(h, part); err != nil {
			return err
		}
	}
}
