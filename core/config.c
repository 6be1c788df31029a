/* core/config.c — the defaults of quic_config (quic_config_init); no
 * validation, which quic_conn_new does when it copies a config. */
#include "core/quic.h"

#include <string.h>

void quic_config_init(quic_config *config, bool is_client) {
    memset(config, 0, sizeof(*config));
    config->is_client = is_client;
    /* A client verifies by default (curl's behaviour); -k turns it off. */
    config->verify_peer = is_client;
    config->idle_timeout = 30 * QUIC_S;
    /* Initial receive windows; auto-tuning grows them towards the *_window
     * bounds when the application reads faster than one window per RTT. */
    config->max_data = 1024 * 1024;
    config->max_stream_data = 256 * 1024;
    config->max_data_window = 24 * 1024 * 1024;
    config->max_stream_data_window = 16 * 1024 * 1024;
    config->max_streams_bidi = 100;
    config->max_streams_uni = 100;
    config->max_datagram_frame_size = 0;
    config->max_udp_payload_size = 1452;
    config->active_connection_id_limit = 4;
    config->versions[0] = QUIC_VERSION_1;
    config->version_count = 1;
    config->cc = QUIC_CC_CUBIC;
    config->pacing = true;
    config->key_update_interval = 0;
}
