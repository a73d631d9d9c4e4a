<?php
/**
 * WordPress → the service: a moderator trashing or deleting a comment the service holds
 * (moderation_status pending) sends submit-removed with its guid, so the check leaves the
 * service's queue as removed; nothing for other comments, without a moderator, or for a
 * removal that the service's own webhook is applying.
 */

require __DIR__ . '/harness.php';
require __DIR__ . '/fake-akismet.php';
harness_load_plugin();

update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );
update_option( Moderation_Bridge::OPTION_SECRET, 'webhook-secret' );
update_option( 'wordpress_api_key', '0123456789ab' );
$GLOBALS['http_handler'] = harness_service();

function as_moderator(): void {
	$GLOBALS['wp_caps'] = array( 'moderate_comments', 'edit_comment' );
}

function sent_urls(): array {
	return array_column( $GLOBALS['http_log'], 'url' );
}

function held( string $guid = 'guid-held' ): int {
	return harness_comment( '0', array( 'moderation_guid' => $guid, 'moderation_status' => 'pending' ) );
}

// --- Held here and there, trashed by a moderator: submit-removed with the guid.
harness_reset();
as_moderator();
$id = held();
wp_set_comment_status( $id, 'trash' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-removed' ), sent_urls(), 'held → trash by a moderator: one submit-removed to the service' );
$fields = harness_fields( $GLOBALS['http_log'][0] ?? array( 'args' => array( 'body' => '' ) ) );
check_same( 'guid-held', $fields['guid'] ?? null, 'submit-removed carries the guid' );
check_same( '0123456789ab', $fields['api_key'] ?? null, 'submit-removed carries the key' );
check_same( 'editor', $fields['reporter'] ?? null, 'submit-removed names the moderator as reporter' );
check_same( 'rejected', get_comment_meta( $id, 'moderation_status', true ), 'moderation_status becomes rejected' );
check_same( array(), Akismet::$reports, 'Akismet itself reports nothing for a trash' );

// --- Then emptied from the trash: nothing more.
$GLOBALS['http_log'] = array();
wp_delete_comment( $id, true );
check_same( array(), sent_urls(), 'deleted from the trash afterwards: nothing more is sent' );

// --- Held, deleted for good without the trash: reported before the meta goes.
harness_reset();
as_moderator();
$id = held( 'guid-gone' );
wp_delete_comment( $id, true );
check_same( array( HARNESS_SERVICE . '/1.1/submit-removed' ), sent_urls(), 'held → deleted for good by a moderator: one submit-removed' );
check_same( 'guid-gone', harness_fields( $GLOBALS['http_log'][0] )['guid'] ?? null, 'deleted for good: with the guid' );

// --- Held → spam is Akismet's submit-spam, not a removal.
harness_reset();
as_moderator();
$id = held();
wp_set_comment_status( $id, 'spam' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-spam' ), sent_urls(), 'held → spam: Akismet\'s submit-spam only' );

// --- Comments the service does not hold: nothing.
harness_reset();
as_moderator();
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-ok', 'moderation_status' => 'approved' ) );
wp_set_comment_status( $id, 'trash' );
$published = harness_comment( '1', array( 'moderation_guid' => 'guid-pub', 'moderation_status' => 'approved' ) );
wp_set_comment_status( $published, 'trash' );
$unchecked = harness_comment( '0' );
wp_delete_comment( $unchecked, true );
check_same( array(), sent_urls(), 'approved by the service (held by WordPress\'s rules, or published), or never checked: nothing is sent' );

// --- Not a moderator (a cron job, another plugin): nothing.
harness_reset();
$id = held();
wp_set_comment_status( $id, 'trash' );
check_same( array(), sent_urls(), 'held → trash by code without a moderator: nothing is sent' );

// --- The service's own decision (rejected + removed → trash) is not sent back.
harness_reset();
as_moderator();
$id     = held( 'guid-webhook' );
$answer = harness_webhook( harness_decision( 'guid-webhook', 'rejected', 'removed' ), 'webhook-secret' );
check_same( array( 200, 'trash' ), array( $answer->get_status(), harness_status( $id ) ), 'webhook rejected + removed: trashed' );
check_same( array(), sent_urls(), 'webhook rejected + removed: no submit-removed back' );

// --- The service unreachable: the comment keeps pending, so a later deletion tries again.
harness_reset();
as_moderator();
$GLOBALS['http_handler'] = static fn() => new WP_Error( 'http_request_failed', 'Connection refused' );
$id                      = held( 'guid-retry' );
wp_set_comment_status( $id, 'trash' );
check_same( 'pending', get_comment_meta( $id, 'moderation_status', true ), 'service unreachable: moderation_status stays pending' );
$GLOBALS['http_handler'] = harness_service();
$GLOBALS['http_log']     = array();
wp_delete_comment( $id, true );
check_same( array(), sent_urls(), '(a trashed comment deleted later is not pending in WordPress: not sent again)' );

harness_done();
