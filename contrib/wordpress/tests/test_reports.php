<?php
/**
 * WordPress → the service, with (the stand-in) Akismet active: a moderator approving a
 * comment the service held sends submit-ham with its guid; Akismet's own submit-spam and
 * submit-ham reach the service with the guid added; nothing is sent without a guid, a
 * moderator, or a service URL, nor while importing.
 */

require __DIR__ . '/harness.php';
require __DIR__ . '/fake-akismet.php';
harness_load_plugin();

update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );
update_option( 'wordpress_api_key', '0123456789ab' );
$GLOBALS['http_handler'] = harness_service();

function as_moderator(): void {
	$GLOBALS['wp_caps'] = array( 'moderate_comments', 'edit_comment' );
}

function sent_urls(): array {
	return array_column( $GLOBALS['http_log'], 'url' );
}

// --- Held by the service, approved by a moderator in WordPress: submit-ham with the guid.
harness_reset();
as_moderator();
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-held', 'moderation_status' => 'pending' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-ham' ), sent_urls(), 'held → approved by a moderator: one submit-ham to the service' );
$fields = harness_fields( $GLOBALS['http_log'][0] ?? array( 'args' => array( 'body' => '' ) ) );
check_same( 'guid-held', $fields['guid'] ?? null, 'submit-ham carries the guid from moderation_guid' );
check_same( '0123456789ab', $fields['api_key'] ?? null, 'submit-ham carries the key' );
check_same( (string) $id, $fields['comment_ID'] ?? null, 'submit-ham is Akismet\'s report of the comment (comment_ID)' );
check_same( 'Which CVE was it?', $fields['comment_content'] ?? null, 'with the comment\'s text' );
check_same( 'approved', get_comment_meta( $id, 'moderation_status', true ), 'moderation_status becomes approved' );
check_same( array( 'submit-ham' ), array_column( Akismet::$reports, 'path' ), 'sent through the Akismet plugin (its history records it)' );

// --- Akismet reports spam → approved itself: sent once, with the guid.
harness_reset();
as_moderator();
$id = harness_comment( 'spam', array( 'moderation_guid' => 'guid-spam' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-ham' ), sent_urls(), 'spam → approved: Akismet\'s one submit-ham, not two' );
check_same( 'guid-spam', harness_fields( $GLOBALS['http_log'][0] )['guid'] ?? null, 'Akismet\'s submit-ham gets the guid added' );

// --- A moderator marks spam: Akismet's submit-spam, with the guid added.
foreach ( array( '1' => 'approved', '0' => 'held' ) as $from => $name ) {
	harness_reset();
	as_moderator();
	$id = harness_comment( (string) $from, array( 'moderation_guid' => "guid-$name" ) );
	wp_set_comment_status( $id, 'spam' );
	check_same( array( HARNESS_SERVICE . '/1.1/submit-spam' ), sent_urls(), "$name → spam: Akismet's submit-spam reaches the service" );
	check_same( "guid-$name", harness_fields( $GLOBALS['http_log'][0] )['guid'] ?? null, "$name → spam: with the guid" );
}

// --- Only akismet_guid stored (comment checked before the bridge knew it): that guid is used.
harness_reset();
as_moderator();
$id = harness_comment( '1', array( 'akismet_guid' => 'guid-akismet' ) );
wp_set_comment_status( $id, 'spam' );
check_same( 'guid-akismet', harness_fields( $GLOBALS['http_log'][0] )['guid'] ?? null, 'akismet_guid is used when moderation_guid is missing' );

// --- A report that already names a guid keeps it.
harness_reset();
wp_remote_post( 'https://rest.akismet.com/1.1/submit-spam', array( 'body' => 'comment_ID=5&guid=from-body&api_key=0123456789ab' ) );
check_same( 'comment_ID=5&guid=from-body&api_key=0123456789ab', $GLOBALS['http_log'][0]['args']['body'], 'a report that names a guid is sent as it is' );

// --- Other transitions send nothing.
$quiet = array(
	array( '0', 'trash', 'held → trash' ),
	array( '1', 'hold', 'approved → held' ),
	array( '1', 'trash', 'approved → trash' ),
	array( 'trash', 'approve', 'trash → approved' ),
);
foreach ( $quiet as [ $from, $to, $what ] ) {
	harness_reset();
	as_moderator();
	$id = harness_comment( $from, array( 'moderation_guid' => 'guid-q' ) );
	wp_set_comment_status( $id, $to );
	check_same( array(), sent_urls(), "$what: nothing is sent" );
}

// --- No guid, no moderator, no service URL: nothing is sent.
harness_reset();
as_moderator();
$id = harness_comment( '0' );
wp_set_comment_status( $id, 'approve' );
check_same( array(), sent_urls(), 'held → approved without a guid (never checked by the service): nothing is sent' );

harness_reset();
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-x' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array(), sent_urls(), 'held → approved by code without a moderator (a cron job, another plugin): nothing is sent' );

harness_reset();
as_moderator();
update_option( Moderation_Bridge::OPTION_URL, '' );
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-y' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array(), sent_urls(), 'held → approved with no service URL: nothing is sent' );
update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );

// --- Importing.
harness_reset();
as_moderator();
define( 'WP_IMPORTING', true );
$id = harness_comment( '0', array( 'moderation_guid' => 'guid-z' ) );
wp_set_comment_status( $id, 'approve' );
check_same( array(), sent_urls(), 'held → approved while WP_IMPORTING: nothing is sent' );

harness_done();
