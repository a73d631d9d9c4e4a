<?php
/**
 * A stand-in for the Akismet plugin, reduced to the behaviour the bridge relies on
 * (written from its documented behaviour, not its code):
 *
 * - every API call is a POST made with wp_remote_post() to rest.akismet.com/1.1/<path>,
 *   form-encoded, with a Host header; current versions send https://rest.akismet.com
 *   and the key in the api_key field, old ones (style 'legacy') http://<key>.rest.akismet.com
 *   and the key only in the host;
 * - comment-check runs on preprocess_comment (and rest_pre_insert_comment) at priority 1,
 *   copies X-akismet-guid into the comment data as akismet_guid, and its pre_comment_approved
 *   filter (priority 10) answers 'spam' for "true" and 0 for an error;
 * - on wp_insert_comment (priority 10) it stores akismet_guid in comment meta, and
 *   akismet_error when the check got neither "true" nor "false" (the comment is held);
 * - its cron retry (cron_recheck) re-checks the pending comments with akismet_error:
 *   check_db_comment() sends the stored comment (comment_ID, recheck_reason=retry) with
 *   akismet_rechecking set; on "true" it spams the comment, on "false" it approves it if
 *   check_comment() passes (else it stays pending), then deletes akismet_rechecking; any
 *   other answer ends the run, to be tried again later;
 * - on transition_comment_status, for a user who can moderate, it sends submit-spam for
 *   anything → spam and submit-ham for spam → approved/unapproved, with the stored comment's
 *   fields (comment_ID among them); other transitions send nothing.
 */

class Akismet {

	/** 'current' or 'legacy' (see above). */
	public static string $style = 'current';

	/** Whether this version copies the guid into the comment (old versions did not). */
	public static bool $keeps_guid = true;

	/** @var list<array{path: string, body: string}> The answers Akismet got to its reports. */
	public static array $reports = array();

	private static ?array $last      = null;
	private static ?string $verdict  = null;

	public static function harness_reset(): void {
		self::$style      = 'current';
		self::$keeps_guid = true;
		self::$reports    = array();
		self::$last       = null;
		self::$verdict    = null;
	}

	public static function init(): void {
		add_filter( 'preprocess_comment', array( self::class, 'check_new' ), 1 );
		add_filter( 'rest_pre_insert_comment', array( self::class, 'check_rest' ), 1 );
		add_filter( 'pre_comment_approved', array( self::class, 'verdict' ), 10, 2 );
		add_action( 'wp_insert_comment', array( self::class, 'store_meta' ), 10, 2 );
		add_action( 'transition_comment_status', array( self::class, 'transition' ), 10, 3 );
	}

	public static function get_api_key(): string {
		return defined( 'WPCOM_API_KEY' ) ? WPCOM_API_KEY : (string) get_option( 'wordpress_api_key', '' );
	}

	/** @return array{0: mixed, 1: string} headers and body, both '' on failure */
	public static function http_post( string $body, string $path ): array {
		$key  = self::get_api_key();
		$host = 'rest.akismet.com';
		if ( 'legacy' === self::$style ) {
			$host = $key . '.' . $host;
			$url  = "http://$host/1.1/$path";
		} else {
			$body .= '&api_key=' . rawurlencode( $key );
			$url   = "https://$host/1.1/$path";
		}
		$response = wp_remote_post(
			$url,
			array(
				'body'        => $body,
				'headers'     => array(
					'Content-Type' => 'application/x-www-form-urlencoded; charset=UTF-8',
					'Host'         => $host,
					'User-Agent'   => 'WordPress/6.6 | Akismet/5.4',
				),
				'httpversion' => '1.0',
				'timeout'     => 15,
			)
		);
		if ( is_wp_error( $response ) ) {
			return array( '', '' );
		}
		return array( $response['headers'], $response['body'] );
	}

	public static function check_new( array $commentdata ): array {
		return self::check( $commentdata, false );
	}

	public static function check_rest( mixed $prepared ): mixed {
		return is_array( $prepared ) ? self::check( $prepared, true ) : $prepared;
	}

	private static function check( array $commentdata, bool $rest ): array {
		$request  = $commentdata + array(
			'blog'       => get_option( 'home' ),
			'user_ip'    => '203.0.113.9',
			'user_agent' => 'Mozilla/5.0',
			'permalink'  => get_permalink( $commentdata['comment_post_ID'] ?? 0 ),
		);
		$response = self::http_post( http_build_query( $request, '', '&' ), 'comment-check' );
		self::$verdict = null;
		if ( 'true' === $response[1] ) {
			self::$verdict = 'spam';
			if ( $rest ) {
				$commentdata['comment_approved'] = 'spam';
			}
		} elseif ( 'false' !== $response[1] ) {
			self::$verdict = '0';
		}
		$commentdata['akismet_result'] = $response[1];
		if ( self::$keeps_guid && isset( $response[0]['x-akismet-guid'] ) ) {
			$commentdata['akismet_guid'] = $response[0]['x-akismet-guid'];
		}
		self::$last = $commentdata;
		return $commentdata;
	}

	public static function verdict( mixed $approved, mixed $commentdata ): mixed {
		return null === self::$verdict ? $approved : self::$verdict;
	}

	public static function store_meta( int $id, WP_Comment $comment ): void {
		if ( null !== self::$last && isset( self::$last['akismet_guid'] ) ) {
			update_comment_meta( $id, 'akismet_guid', self::$last['akismet_guid'] );
		}
		if ( null !== self::$last && ! in_array( self::$last['akismet_result'] ?? '', array( 'true', 'false' ), true ) ) {
			update_comment_meta( $id, 'akismet_error', time() );
		}
		self::$last = null;
	}

	/** The answer to a comment-check of a stored comment: 'true', 'false', another body, or false. */
	public static function check_db_comment( int $id, string $recheck_reason = 'recheck_queue' ): string|false {
		$comment = get_comment( $id );
		if ( null === $comment ) {
			return false;
		}
		$fields                   = get_object_vars( $comment );
		$fields['user_ip']        = $comment->comment_author_IP;
		$fields['user_agent']     = $comment->comment_agent;
		$fields['blog']           = get_option( 'home' );
		$fields['permalink']      = get_permalink( $comment->comment_post_ID );
		$fields['recheck_reason'] = $recheck_reason;
		$response                 = self::http_post( http_build_query( $fields, '', '&' ), 'comment-check' );
		return '' !== $response[1] ? $response[1] : false;
	}

	/** The cron retry of the comments whose check failed (akismet_error), pending ones only. */
	public static function cron_recheck(): void {
		foreach ( array_keys( $GLOBALS['wp_comment_meta'] ) as $id ) {
			if ( '' === get_comment_meta( $id, 'akismet_error', true ) ) {
				continue;
			}
			$comment = get_comment( $id );
			if ( null === $comment || '0' !== $comment->comment_approved ) {
				delete_comment_meta( $id, 'akismet_error' );
				continue;
			}
			add_comment_meta( $id, 'akismet_rechecking', true );
			$status = self::check_db_comment( $id, 'retry' );
			if ( 'true' !== $status && 'false' !== $status ) {
				delete_comment_meta( $id, 'akismet_rechecking' );
				return;
			}
			delete_comment_meta( $id, 'akismet_error' );
			update_comment_meta( $id, 'akismet_result', $status );
			if ( 'unapproved' === wp_get_comment_status( $id ) ) {
				if ( 'true' === $status ) {
					wp_spam_comment( $id );
				} elseif ( check_comment( $comment->comment_author, $comment->comment_author_email, $comment->comment_author_url, $comment->comment_content, $comment->comment_author_IP, $comment->comment_agent, $comment->comment_type ) ) {
					wp_set_comment_status( $id, 1 );
				}
			}
			delete_comment_meta( $id, 'akismet_rechecking' );
		}
	}

	public static function transition( string $new, string $old, WP_Comment $comment ): void {
		if ( ! current_user_can( 'moderate_comments' ) ) {
			return;
		}
		if ( 'spam' === $new && in_array( $old, array( 'approved', 'unapproved' ), true ) ) {
			self::submit_spam_comment( (int) $comment->comment_ID );
		} elseif ( 'spam' === $old && in_array( $new, array( 'approved', 'unapproved' ), true ) ) {
			self::submit_nonspam_comment( (int) $comment->comment_ID );
		}
	}

	public static function submit_spam_comment( int $id ): void {
		self::report( $id, 'submit-spam' );
	}

	public static function submit_nonspam_comment( int $id ): void {
		self::report( $id, 'submit-ham' );
	}

	private static function report( int $id, string $path ): void {
		$comment = get_comment( $id );
		if ( null === $comment ) {
			return;
		}
		$fields            = get_object_vars( $comment );
		$fields['blog']    = get_option( 'home' );
		$fields['user_ip'] = $comment->comment_author_IP;
		$response          = self::http_post( http_build_query( $fields, '', '&' ), $path );
		self::$reports[]   = array(
			'path' => $path,
			'body' => $response[1],
		);
	}
}

Akismet::init();
