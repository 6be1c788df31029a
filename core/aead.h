/*
 * core/aead.h — expanded packet-protection keys for one direction of one
 * encryption level and key phase: the AEAD (RFC 9001 §5.3) and the header
 * protection cipher (§5.4), each expanded once so the per-packet calls do no
 * key setup. Internal to core; whole-packet operations are in core/protect.h.
 * Not thread-safe: one object is used by one connection at a time.
 */
#ifndef H3CLI_CORE_AEAD_H
#define H3CLI_CORE_AEAD_H

#include "core/crypto.h"

/* Keys of one direction, level and key phase. Opaque; the header-protection
 * part is shared (reference-counted) between a phase and the phases derived
 * from it by quic_keys_new_next, because RFC 9001 §6 keeps the header
 * protection key across key updates. */
typedef struct quic_keys quic_keys;

/* Derives the packet key, IV and header-protection key from the traffic
 * |secret| (|secret_len| = the suite's hash length) with |version|'s labels,
 * and expands the AEAD and header-protection key schedules. The secret is
 * kept (for quic_keys_new_next) and wiped on free. |alloc| NULL means libc;
 * otherwise it must outlive the object. Errors: QUIC_ERR_UNKNOWN_VERSION,
 * QUIC_ERR_UNSUPPORTED_CIPHER, QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_NOMEM,
 * QUIC_ERR_CRYPTO. On error |*out| is NULL. */
int quic_keys_new(quic_keys **out, const quic_allocator *alloc,
                  quic_cipher cipher, uint32_t version, const uint8_t *secret,
                  size_t secret_len);

/* Client and server Initial keys from the client's first DCID (RFC 9001
 * §5.2): AES-128-GCM with |version|'s salt and labels. Either output may be
 * NULL when not wanted. Errors as quic_keys_new and quic_initial_secrets; on
 * error both outputs are NULL. */
int quic_keys_new_initial(quic_keys **client, quic_keys **server,
                          const quic_allocator *alloc, uint32_t version,
                          const uint8_t *dcid, size_t dcid_len);

/* The keys of the next key phase (RFC 9001 §6.1): the secret becomes
 * HKDF-Expand-Label(secret, "quic ku" / "quicv2 ku", "", Hash.length), and a
 * new packet key and IV are derived from it; the header-protection key
 * schedule is shared with |cur|, not re-derived. |cur| stays usable (a
 * receiver keeps the old phase for reordered packets). Errors as
 * quic_keys_new. */
int quic_keys_new_next(quic_keys **out, const quic_keys *cur);

/* Frees |keys| (NULL is accepted), wiping secrets and key schedules; the
 * shared header-protection part goes with its last user. */
void quic_keys_free(quic_keys *keys);

quic_cipher quic_keys_cipher(const quic_keys *keys);
uint32_t quic_keys_version(const quic_keys *keys);

/* The AEAD nonce for packet number |pn|: the IV with the 62-bit packet
 * number, big-endian and left-padded, XORed into its last bytes (RFC 9001
 * §5.3). */
void quic_keys_nonce(const quic_keys *keys, uint64_t pn,
                     uint8_t nonce[QUIC_AEAD_IV_LEN]);

/* The 5-byte header-protection mask for a 16-byte |sample| (RFC 9001
 * §5.4.3 AES-ECB, §5.4.4 ChaCha20 with the sample's first 4 bytes as the
 * little-endian block counter). Errors: QUIC_ERR_CRYPTO. */
int quic_keys_hp_mask(quic_keys *keys, const uint8_t *sample,
                      uint8_t mask[QUIC_HP_MASK_LEN]);

/* Encrypts |len| bytes at |data| in place with packet number |pn| and
 * associated data |aad|, and writes the 16-byte tag to |tag| (which may be
 * data + len). |aad| must not overlap |data|. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (lengths over 2^32-1), QUIC_ERR_CRYPTO. */
int quic_keys_seal(quic_keys *keys, uint64_t pn, const uint8_t *aad,
                   size_t aad_len, uint8_t *data, size_t len, uint8_t *tag);

/* Decrypts |len| bytes at |data| in place and checks the 16-byte |tag|.
 * Errors: QUIC_ERR_DECRYPT when authentication fails — then |data| holds
 * garbage (partially or wholly decrypted bytes of an unauthenticated
 * packet) and must be discarded; QUIC_ERR_INVALID_ARGUMENT. */
int quic_keys_open(quic_keys *keys, uint64_t pn, const uint8_t *aad,
                   size_t aad_len, uint8_t *data, size_t len,
                   const uint8_t *tag);

#endif /* H3CLI_CORE_AEAD_H */
