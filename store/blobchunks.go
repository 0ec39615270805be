package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"gorm.io/gorm"
)

// chunkSize is the size of one stored chunk of a large file.
const chunkSize = 1 << 20

type blobChunkRow struct {
	Key  string `gorm:"primaryKey"`
	Seq  int    `gorm:"primaryKey"`
	Data []byte
}

func (blobChunkRow) TableName() string { return "blob_chunks" }

// putChunked streams r into the blob store in chunks within tx and returns the blob's size
// and SHA-256. It never holds more than one chunk.
func (s *Store) putChunked(tx *gorm.DB, key, contentType string, r io.Reader, limit int64) (int64, string, error) {
	blob := blobRow{Key: key, ContentType: contentType, Data: []byte{}, CreatedAt: s.Now()}
	if err := tx.Create(&blob).Error; err != nil {
		return 0, "", translate(err, "file")
	}
	h := sha256.New()
	buf := make([]byte, chunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				return 0, "", ErrTooLarge
			}
			h.Write(buf[:n])
			if err := tx.Create(&blobChunkRow{Key: key, Seq: seq, Data: buf[:n]}).Error; err != nil {
				return 0, "", translate(err, "file chunk")
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, "", fmt.Errorf("store: read upload: %w", err)
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := tx.Model(&blobRow{}).Where("key = ?", key).Updates(map[string]any{"size": size, "sha256": sum}).Error; err != nil {
		return 0, "", translate(err, "file")
	}
	return size, sum, nil
}

// ErrTooLarge is returned when an upload exceeds its limit.
var ErrTooLarge = errors.New("store: file too large")

// ChunkedBlob reads a chunked blob at any offset, fetching one chunk at a time and keeping the
// last two: sequential reads fetch each chunk once.
type ChunkedBlob struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64

	mu    sync.Mutex
	cache [2]struct {
		seq  int
		data []byte
	}
	next int
}

// OpenChunked opens a chunked blob for reading.
func (s *Store) OpenChunked(ctx context.Context, key string) (*ChunkedBlob, error) {
	var b blobRow
	if err := s.db.WithContext(ctx).Select("key", "size").Where("key = ?", key).Take(&b).Error; err != nil {
		return nil, translate(err, "file")
	}
	cb := &ChunkedBlob{s: s, ctx: ctx, key: key, size: b.Size}
	cb.cache[0].seq, cb.cache[1].seq = -1, -1
	return cb, nil
}

// Size is the blob's length.
func (b *ChunkedBlob) Size() int64 { return b.size }

func (b *ChunkedBlob) chunk(seq int) ([]byte, error) {
	for _, c := range b.cache {
		if c.seq == seq {
			return c.data, nil
		}
	}
	var row blobChunkRow
	if err := b.s.db.WithContext(b.ctx).Where("key = ? AND seq = ?", b.key, seq).Take(&row).Error; err != nil {
		return nil, translate(err, "file chunk")
	}
	b.cache[b.next].seq, b.cache[b.next].data = seq, row.Data
	b.next = 1 - b.next
	return row.Data, nil
}

// ReadAt implements io.ReaderAt.
func (b *ChunkedBlob) ReadAt(p []byte, off int64) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if off >= b.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < b.size {
		data, err := b.chunk(int(off / chunkSize))
		if err != nil {
			return n, err
		}
		c := copy(p[n:], data[off%chunkSize:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
