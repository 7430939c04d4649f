/* What the server and its image child say over their pipes, and how the bytes of an
 * upload say what they are. Little-endian integers throughout.
 *
 * Request: "CIMG", u32 flags, u64 length, then the upload's bytes.
 * Reply: u32 status, the format's name in 8 bytes (NUL-padded); when the status is
 * IMAGE_WIRE_OK, three renditions (full, large, thumbnail) follow, each u32 width,
 * u32 height, u64 length, then that many bytes of JPEG. */
#ifndef COLLAGENDA_IMAGE_WIRE_H
#define COLLAGENDA_IMAGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_WIRE_MAGIC	  "CIMG"
#define IMAGE_WIRE_REQUEST_HEAD	  16
#define IMAGE_WIRE_REPLY_HEAD	  12
#define IMAGE_WIRE_RENDITION_HEAD 16
#define IMAGE_WIRE_HOOKS	  1u /* request flag: the test hook is on */

enum image_wire_status {
	IMAGE_WIRE_OK = 0,
	IMAGE_WIRE_UNSUPPORTED = 1,
	IMAGE_WIRE_TOO_MANY_PIXELS = 2,
	IMAGE_WIRE_BAD = 3,
};

static inline void image_wire_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline void image_wire_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t image_wire_get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static inline uint64_t image_wire_get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* What the first bytes of data say it is: "jpeg", "png", "webp", "heic" (HEIF with an
 * HEVC or AVIF brand), or NULL for anything else. Never trusts a name or a type the
 * client gave. */
const char *image_sniff(const void *data, size_t len);

#endif
