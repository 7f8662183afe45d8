package taxii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// A next token is base64url(version | date_added of the last record | HMAC-SHA256 over the
// version, the date_added and the binding). The binding is the collection, the caller's
// organisation and the canonical filters, so a token only continues the query it was issued for,
// for the organisation it was issued to; rights are re-checked on every request anyway.

const cursorVersion = 1

func (s *Server) makeNext(binding string, lastAdded int64) string {
	var buf [1 + 8 + 32]byte
	buf[0] = cursorVersion
	binary.BigEndian.PutUint64(buf[1:9], uint64(lastAdded))
	copy(buf[9:], s.cursorMAC(buf[:9], binding))
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

// readNext returns the date_added the token continues after, or an error for any token that was
// not issued by this node for this binding.
func (s *Server) readNext(token, binding string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 41 || b[0] != cursorVersion {
		return 0, badRequest("next is not a token this server issued")
	}
	if !hmac.Equal(b[9:], s.cursorMAC(b[:9], binding)) {
		return 0, badRequest("next does not belong to this query (it was issued for other filters, another collection or another organisation, or was altered)")
	}
	return int64(binary.BigEndian.Uint64(b[1:9])), nil
}

func (s *Server) cursorMAC(head []byte, binding string) []byte {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write(head)
	m.Write([]byte(binding))
	return m.Sum(nil)
}
