package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// Blobs live in the database by default, so that `serve` and `worker` scale out without a
// shared disk. Evidence files are small (a size limit applies in the API).
type blobRow struct {
	Key         string `gorm:"primaryKey"`
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	Data        []byte
	CreatedAt   time.Time
}

func (blobRow) TableName() string { return "blobs" }

type attachmentRow struct {
	ID          string `gorm:"primaryKey"`
	TaskID      string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	BlobKey     string
	UploadedBy  string
	CreatedAt   time.Time
}

func (attachmentRow) TableName() string { return "task_attachments" }

func (r attachmentRow) domain() domain.Attachment {
	return domain.Attachment{ID: r.ID, TaskID: r.TaskID, Filename: r.Filename, ContentType: r.ContentType,
		Size: r.Size, SHA256: r.SHA256, BlobKey: r.BlobKey, UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt}
}

// AddAttachment stores evidence for a task the caller may view: the content in the blob store
// and a record with its SHA-256, in one transaction.
func (s *Store) AddAttachment(ctx context.Context, p domain.Principal, taskID, filename, contentType string, data []byte) (domain.Attachment, error) {
	t, err := s.GetTask(ctx, p, taskID)
	if err != nil {
		return domain.Attachment{}, err
	}
	sum := sha256.Sum256(data)
	now := s.Now()
	blob := blobRow{Key: "attachments/" + newID(), ContentType: contentType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedAt: now}
	row := attachmentRow{ID: newID(), TaskID: t.ID, Filename: filename, ContentType: contentType, Size: blob.Size,
		SHA256: blob.SHA256, BlobKey: blob.Key, UploadedBy: p.Username, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&blob).Error; err != nil {
			return translate(err, "blob")
		}
		if err := tx.Create(&row).Error; err != nil {
			return translate(err, "attachment")
		}
		detail := map[string]any{"attachment_id": row.ID, "filename": filename, "sha256": row.SHA256, "size": row.Size}
		if err := s.taskEvent(ctx, tx, t.ID, p.Username, "attached", detail); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task.attach", "task", t.ID, t.UnitPath, nil, detail)
	})
	return row.domain(), err
}

// TaskAttachments lists a task's attachments, oldest first.
func (s *Store) TaskAttachments(ctx context.Context, taskID string) ([]domain.Attachment, error) {
	var rows []attachmentRow
	if err := s.db.WithContext(ctx).Where("task_id = ?", taskID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "attachments")
	}
	out := make([]domain.Attachment, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// AttachmentContent returns an attachment of a task the caller may view, with its content.
func (s *Store) AttachmentContent(ctx context.Context, p domain.Principal, taskID, attachmentID string) (domain.Attachment, []byte, error) {
	if _, err := s.GetTask(ctx, p, taskID); err != nil {
		return domain.Attachment{}, nil, err
	}
	var a attachmentRow
	if err := s.db.WithContext(ctx).Where("id = ? AND task_id = ?", attachmentID, taskID).Take(&a).Error; err != nil {
		return domain.Attachment{}, nil, translate(err, "attachment")
	}
	var b blobRow
	if err := s.db.WithContext(ctx).Where("key = ?", a.BlobKey).Take(&b).Error; err != nil {
		return domain.Attachment{}, nil, translate(err, "attachment content")
	}
	return a.domain(), b.Data, nil
}

// Evidence is one attachment ID a task's result names as evidence, with the field that names it.
type Evidence struct {
	Field string // "evidence[0]", "findings[1].evidence"
	ID    string
}

// CheckEvidence refuses (EINVALID, each field named, code not_found) an evidence ID that is
// not an uploaded attachment the actor may read: an attachment of a task the actor may view
// (AttachmentContent's rule). The visit's and the rectification report's evidence.
func (s *Store) CheckEvidence(ctx context.Context, actor string, evidence []Evidence) error {
	if len(evidence) == 0 {
		return nil
	}
	p, err := s.principalOf(ctx, actor)
	if err != nil {
		return err
	}
	ids := make([]string, len(evidence))
	for i, e := range evidence {
		ids[i] = e.ID
	}
	var readable []string
	q := s.db.WithContext(ctx).Table("task_attachments a").Joins("JOIN tasks t ON t.id = a.task_id").Where("a.id IN ?", ids)
	if err := s.visibleTasks(q, p).Pluck("a.id", &readable).Error; err != nil {
		return translate(err, "attachments")
	}
	var v domain.Validation
	for _, e := range evidence {
		if !slices.Contains(readable, e.ID) {
			v = append(v, domain.FieldError{Field: e.Field, Code: domain.CodeNotFound,
				Reason: "附件 " + e.ID + " 不存在，或不是你可以查看的已上传附件：请先上传佐证材料，再填写其附件编号"})
		}
	}
	return v.Err("佐证材料须是已上传的附件")
}
