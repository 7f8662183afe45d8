package gen

import "crypto/sha1"

// mix64 is the SplitMix64 finaliser: a bijection on uint64 that scrambles its input well enough
// for seeding and for choosing. Being a bijection, distinct inputs give distinct outputs, which is
// what makes generated identifiers unique by construction.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// appendUUID4 appends the random-form (version 4) UUID of a slot: 64 of its bits are mix64 of the
// slot, so no two slots share a UUID, and the rest come from a second, independent hash.
func appendUUID4(b []byte, unique, other uint64) []byte {
	var u [16]byte
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(unique>>56), byte(unique>>48), byte(unique>>40), byte(unique>>32), byte(unique>>24), byte(unique>>16)
	u[6] = 0x40 | byte(other&0x0f)
	u[7] = byte(other >> 4)
	u[8] = 0x80 | byte(other>>12)&0x3f
	u[9], u[10] = byte(unique>>8), byte(unique)
	u[11], u[12], u[13], u[14], u[15] = byte(other>>18), byte(other>>26), byte(other>>34), byte(other>>42), byte(other>>50)
	return appendUUIDBytes(b, &u)
}

// scoNamespace is the UUIDv5 namespace STIX 2.1 (section 2.9) fixes for deterministic
// cyber-observable identifiers: 00abedb4-aa42-466c-9c01-fed23315a9b7.
var scoNamespace = [16]byte{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}

// appendUUID5 appends the name-based (version 5, SHA-1) UUID of name in namespace ns. scratch is
// reused to avoid an allocation per call and returned for the next.
func appendUUID5(b []byte, ns *[16]byte, name, scratch []byte) ([]byte, []byte) {
	scratch = append(append(scratch[:0], ns[:]...), name...)
	sum := sha1.Sum(scratch)
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return appendUUIDBytes(b, &u), scratch
}

func appendUUIDBytes(b []byte, u *[16]byte) []byte {
	const hexDigits = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}
