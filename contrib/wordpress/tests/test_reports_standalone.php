<?php
/**
 * WordPress → the service when the Akismet plugin is not loaded: the bridge sends
 * submit-ham itself, straight to the service, with the guid and the comment's fields;
 * a webhook's approval is not echoed.
 */

require __DIR__ . '/harness.php';
harness_load_plugin();

const SECRET = 'webhook secret';

update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );
update_option( Moderation_Bridge::OPTION_SECRET, SECRET );
update_option( 'wordpress_api_key', '0123456789ab' );
$GLOBALS['http_handler'] = harness_service();

check( ! class_exists( 'Akismet', false ), 'no Akismet plugin in this script' );

harness_reset();
$GLOBALS['wp_caps'] = array( 'moderate_comments' );
$id                 = harness_comment( '0', array( 'moderation_guid' => 'guid-held' ), array( 'comment_author_url' => 'https://ada.example.org' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-ham' ), array_column( $GLOBALS['http_log'], 'url' ), 'held → approved by a moderator: submit-ham straight to the service' );
$sent   = $GLOBALS['http_log'][0] ?? array( 'args' => array( 'body' => '', 'headers' => array() ) );
$fields = harness_fields( $sent );
$expect = array(
	'api_key'              => '0123456789ab',
	'blog'                 => 'https://news.example',
	'blog_charset'         => 'UTF-8',
	'user_ip'              => '203.0.113.9',
	'user_agent'           => 'Mozilla/5.0',
	'comment_type'         => 'comment',
	'comment_author'       => 'Ada',
	'comment_author_email' => 'ada@example.org',
	'comment_author_url'   => 'https://ada.example.org',
	'comment_content'      => 'Which CVE was it?',
	'comment_date_gmt'     => '2026-01-01 00:00:00',
	'comment_ID'           => (string) $id,
	'guid'                 => 'guid-held',
	'permalink'            => 'https://news.example/?p=7',
	'reporter'             => 'editor',
);
check_same( $expect, $fields, 'submit-ham has the Akismet fields the service needs, and the guid' );
check_same( 'POST', $sent['args']['method'] ?? null, 'submit-ham is a POST' );
check_same( 'application/x-www-form-urlencoded; charset=UTF-8', $sent['args']['headers']['Content-Type'] ?? null, 'form-encoded' );

harness_reset();
$id       = harness_comment( '0', array( 'moderation_guid' => 'guid-hook' ) );
$GLOBALS['wp_caps'] = array( 'moderate_comments' );
$response = harness_webhook( harness_decision( 'guid-hook', 'approved' ), SECRET );
check_same( array( 200, '1' ), array( $response->get_status(), harness_status( $id ) ), 'a webhook approves a held comment' );
check_same( array(), $GLOBALS['http_log'], 'and the bridge does not send submit-ham back for it' );

harness_reset();
$GLOBALS['wp_caps'] = array( 'moderate_comments' );
$GLOBALS['http_handler'] = static fn() => new WP_Error( 'http_request_failed', 'Connection refused' );
$id                      = harness_comment( '0', array( 'moderation_guid' => 'guid-down' ) );
check_same( true, wp_set_comment_status( $id, 'approve' ), 'the service down: the moderator\'s approval still succeeds' );
check_same( '1', harness_status( $id ), 'and the comment is published' );

harness_done();
