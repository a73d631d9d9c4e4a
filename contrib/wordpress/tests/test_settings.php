<?php
/**
 * Settings → Moderation bridge: the page and its options, their sanitising, and the
 * page's text (the webhook URL to give the service, no secret shown).
 */

require __DIR__ . '/harness.php';
$GLOBALS['wp_is_admin'] = true;
harness_load_plugin();

do_action( 'admin_menu' );
do_action( 'admin_init' );

$page = $GLOBALS['wp_options_pages']['moderation-bridge'] ?? null;
check( is_array( $page ) && 'manage_options' === $page['capability'], 'an options page "moderation-bridge" for manage_options is added under Settings' );
check_same( 'Moderation bridge', $page['menu_title'] ?? null, 'its menu title is "Moderation bridge"' );
check_same( array( 'moderation_bridge', 'moderation_bridge' ), array( $GLOBALS['wp_settings']['moderation_bridge_url']['group'] ?? null, $GLOBALS['wp_settings']['moderation_bridge_webhook_secret']['group'] ?? null ), 'both options are registered in one group' );
$links = apply_filters( 'plugin_action_links_moderation-bridge/moderation-bridge.php', array() );
check( 1 === count( $links ) && str_contains( $links[0], 'options-general.php?page=moderation-bridge' ), 'the plugins list links to the settings page' );

// --- Options feed the settings.
check_same( '', Moderation_Bridge::service_url(), 'no URL set: empty' );
check_same( '', Moderation_Bridge::webhook_secret(), 'no secret set: empty' );
update_option( 'moderation_bridge_url', ' https://comments.newsroom.example.org/ ' );
update_option( 'moderation_bridge_webhook_secret', " s3cret\n" );
check_same( 'https://comments.newsroom.example.org', Moderation_Bridge::service_url(), 'the URL option, trimmed, without its trailing slash' );
check_same( 's3cret', Moderation_Bridge::webhook_secret(), 'the secret option, trimmed' );
check( ! Moderation_Bridge::is_constant( Moderation_Bridge::CONSTANT_URL ), 'no constant defined here' );

// --- Sanitising the URL field.
update_option( 'moderation_bridge_url', 'https://comments.newsroom.example.org' );
$sanitize_url = $GLOBALS['wp_settings']['moderation_bridge_url']['sanitize_callback'];
check_same( 'https://svc.example:8443/moderation', $sanitize_url( 'https://svc.example:8443/moderation/' ), 'a URL with port and path is kept, trailing slash dropped' );
check_same( 'http://10.0.0.5:8000', $sanitize_url( 'http://10.0.0.5:8000' ), 'plain http on a private address is allowed' );
check_same( 'https://svc.example', $sanitize_url( 'https://svc.example/?x=1#top' ), 'query and fragment are dropped' );
check_same( '', $sanitize_url( '   ' ), 'an empty field clears the URL' );
check_same( array(), $GLOBALS['wp_settings_errors'], 'no errors so far' );
foreach ( array( 'ftp://svc.example', 'comments.newsroom.example.org', 'javascript:alert(1)', 'https://rest.akismet.com', 'https://0123456789ab.rest.akismet.com/' ) as $bad ) {
	$GLOBALS['wp_settings_errors'] = array();
	check_same( 'https://comments.newsroom.example.org', $sanitize_url( $bad ), "'$bad' is refused and the stored URL kept" );
	check_same( 'moderation_bridge_bad_url', $GLOBALS['wp_settings_errors'][0]['code'] ?? null, "'$bad' shows an error" );
}
check_same( 'https://comments.newsroom.example.org', $sanitize_url( null ), 'a field not sent keeps the stored URL' );

// --- Sanitising the secret field.
$sanitize_secret = $GLOBALS['wp_settings']['moderation_bridge_webhook_secret']['sanitize_callback'];
check_same( " s3cret\n", $sanitize_secret( '' ), 'an empty secret field keeps the stored secret' );
check_same( " s3cret\n", $sanitize_secret( null ), 'a secret field not sent keeps the stored secret' );
check_same( 'new-secret', $sanitize_secret( '  new-secret ' ), 'a new secret is stored trimmed' );

// --- The page.
$GLOBALS['wp_caps'] = array( 'manage_options' );
ob_start();
( $page['callback'] )();
$html = (string) ob_get_clean();
check( str_contains( $html, 'https://news.example/wp-json/moderation/v1/webhook' ), 'the page shows the webhook URL to give the service' );
check( str_contains( $html, 'value="https://comments.newsroom.example.org"' ), 'the page shows the service URL' );
check( ! str_contains( $html, 's3cret' ), 'the page never shows the secret' );
check( str_contains( $html, '(set; leave empty to keep it)' ), 'the page says a secret is set' );
check( ! str_contains( $html, 'disabled' ), 'fields are editable when no constant is defined' );
check( str_contains( $html, 'name="option_page" value="moderation_bridge"' ), 'the form posts the settings group' );
check( str_contains( $html, 'Akismet key: not a 12-character key yet' ), 'the page says the Akismet key is missing' );
update_option( 'wordpress_api_key', '0123456789ab' );
ob_start();
( $page['callback'] )();
$html = (string) ob_get_clean();
check( str_contains( $html, 'Akismet key: set, in the service' ), 'the page recognises a 12-hex-character key' );
$GLOBALS['wp_caps'] = array();
ob_start();
( $page['callback'] )();
check_same( '', ob_get_clean(), 'the page shows nothing to a user without manage_options' );

harness_done();
