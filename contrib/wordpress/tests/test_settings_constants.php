<?php
/**
 * Settings from wp-config.php: MODERATION_BRIDGE_URL and MODERATION_BRIDGE_WEBHOOK_SECRET
 * win over the options, are used by the interception and the webhook, and the settings
 * page shows them as fixed.
 */

require __DIR__ . '/harness.php';

define( 'MODERATION_BRIDGE_URL', 'https://comments.newsroom.example.org/' );
define( 'MODERATION_BRIDGE_WEBHOOK_SECRET', 'from-wp-config' );
define( 'WPCOM_API_KEY', 'abcdef012345' );

$GLOBALS['wp_is_admin'] = true;
harness_load_plugin();
do_action( 'admin_menu' );
do_action( 'admin_init' );

update_option( 'moderation_bridge_url', 'https://other.example' );
update_option( 'moderation_bridge_webhook_secret', 'from-the-database' );
$GLOBALS['http_handler'] = harness_service();

check_same( 'https://comments.newsroom.example.org', Moderation_Bridge::service_url(), 'MODERATION_BRIDGE_URL wins over the option' );
check_same( 'from-wp-config', Moderation_Bridge::webhook_secret(), 'MODERATION_BRIDGE_WEBHOOK_SECRET wins over the option' );
check( Moderation_Bridge::is_constant( Moderation_Bridge::CONSTANT_URL ) && Moderation_Bridge::is_constant( Moderation_Bridge::CONSTANT_SECRET ), 'both are reported as set in wp-config.php' );
check_same( 'abcdef012345', Moderation_Bridge::akismet_key(), 'the Akismet key is read from WPCOM_API_KEY' );

// The interception uses the constant's URL.
harness_reset();
wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=abcdef012345' ) );
check_same( HARNESS_SERVICE . '/1.1/comment-check', $GLOBALS['http_log'][0]['url'] ?? null, 'requests go to the URL from wp-config.php' );

// The webhook checks signatures with the constant's secret.
harness_reset();
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-c' ) );
check_same( 401, harness_webhook( harness_decision( 'guid-c', 'approved' ), 'from-the-database' )->get_status(), 'a body signed with the option\'s secret: 401' );
check_same( 200, harness_webhook( harness_decision( 'guid-c', 'approved' ), 'from-wp-config' )->get_status(), 'a body signed with the constant\'s secret: 200' );
check_same( '1', harness_status( $id ), 'and applied' );

// The page shows both as fixed, with no save button.
$GLOBALS['wp_caps'] = array( 'manage_options' );
ob_start();
( $GLOBALS['wp_options_pages']['moderation-bridge']['callback'] )();
$html = (string) ob_get_clean();
check_same( 2, substr_count( $html, 'disabled' ), 'both fields are disabled' );
check( str_contains( $html, 'Set in wp-config.php by MODERATION_BRIDGE_URL.' ), 'the page says the URL comes from wp-config.php' );
check( str_contains( $html, 'Set in wp-config.php by MODERATION_BRIDGE_WEBHOOK_SECRET.' ), 'the page says the secret comes from wp-config.php' );
check( ! str_contains( $html, 'type="submit"' ), 'no save button when nothing can be saved' );
check( ! str_contains( $html, 'from-wp-config' ), 'the page never shows the secret' );
check( str_contains( $html, 'value="https://comments.newsroom.example.org"' ), 'the page shows the URL in use' );

harness_done();
