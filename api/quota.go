package api

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"tandem/calendar"
	"tandem/domain"
)

// checkUploadQuota refuses, before the body is read, an upload that would take the caller past
// their quota of bytes per 30 days (store.QuotaWindow): 429 with Retry-After and a detail
// naming the quota and when enough frees up. The request's length counts (the file plus a few
// hundred bytes of form); a request without one is refused only when the quota is already used.
func (s *Server) checkUploadQuota(c *gin.Context) error {
	p := principal(c)
	quota := s.Uploads.Quota
	if p.Admin {
		quota = s.Uploads.AdminQuota
	}
	if quota <= 0 {
		return nil
	}
	size := max(c.Request.ContentLength, 1)
	if size > quota {
		return domain.Invalid(fmt.Sprintf("文件大于上传配额：每位用户 30 天内最多上传 %s，本次 %s", formatBytes(quota), formatBytes(size)),
			domain.FieldFailed("file", domain.CodeOverQuota, formatBytes(quota)))
	}
	use, err := s.Store.UploadUse(c.Request.Context(), p.Username, size, quota)
	if err != nil {
		return err
	}
	if use.FreesAt.IsZero() {
		return nil
	}
	return domain.TooMany(use.FreesAt.Sub(s.now()),
		"上传配额已用完：每位用户 30 天内最多上传 %s，已用 %s，本次 %s；%s（北京时间）后可再上传这么大的文件",
		formatBytes(quota), formatBytes(use.Used), formatBytes(size), use.FreesAt.In(calendar.Shanghai).Format("2006-01-02 15:04"))
}

// formatBytes writes a size for people: 2 GiB, 1.5 MiB, 300 B.
func formatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f, i = f/1024, i+1
	}
	if i == 0 || f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[i])
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
