package weights

import (
	"bytes"
	"io"
)

// archive/zip reads the whole central directory when it opens an archive:
// about 250 bytes of Go structures for each record of at least 46 bytes,
// plus a copy of the names, and it reads records until one fails to parse,
// whatever count the archive claims. zipDirectoryCost works out, the way
// archive/zip's readDirectoryEnd does, where the directory starts, and so
// what opening the archive will allocate, so that it can be charged to the
// budget before archive/zip is called.

const (
	zipRecordMin  = 46  // bytes of a central directory record with empty fields
	zipRecordCost = 320 // bytes archive/zip allocates for one, measured: 232
)

func zipDirectoryCost(r io.ReaderAt, size int64) int64 {
	worst := size/zipRecordMin*zipRecordCost + size + size/30*8
	const endLen = 22
	if size < endLen {
		return 0 // archive/zip refuses it before allocating
	}
	n := min(size, 65*1024)
	buf := make([]byte, n) // the same buffer archive/zip allocates
	if readAt(r, buf, size-n, "pytorch") != nil {
		return worst
	}
	p := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if bytes.Equal(buf[i:i+4], []byte("PK\x05\x06")) {
			if int(le16(buf[i+20:]))+endLen+i <= len(buf) {
				p = i
			}
			break
		}
	}
	if p < 0 {
		return 0 // no end record: archive/zip refuses it
	}
	endOff := size - n + int64(p)
	records := uint64(le16(buf[p+10:]))
	dirSize := uint64(le32(buf[p+12:]))
	dirOff := uint64(le32(buf[p+16:]))
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		// zip64: a locator 20 bytes before the end record points to a
		// 56-byte zip64 end record.
		var loc [20]byte
		if endOff < 20 || readAt(r, loc[:], endOff-20, "pytorch") != nil ||
			!bytes.Equal(loc[:4], []byte("PK\x06\x07")) || le32(loc[4:]) != 0 || le32(loc[16:]) != 1 {
			return worst
		}
		p64 := int64(le64(loc[8:]))
		var rec [56]byte
		if p64 < 0 || p64 > size-56 || readAt(r, rec[:], p64, "pytorch") != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
			return worst
		}
		records, dirSize, dirOff = le64(rec[32:]), le64(rec[40:]), le64(rec[48:])
		endOff = p64
	}
	if dirSize > uint64(size) || dirOff > uint64(size) {
		return 0 // archive/zip refuses offsets outside the file
	}
	start := int64(dirOff)
	if base := endOff - int64(dirSize) - int64(dirOff); base < 0 {
		start += base
	}
	if start < 0 || start >= size {
		return 0
	}
	cost := (size-start)/zipRecordMin*zipRecordCost + (size - start)
	if dirSize < uint64(size) && (uint64(size)-dirSize)/30 >= records {
		cost += 8 * int64(records) // archive/zip preallocates its list of files
	}
	return cost + n
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
