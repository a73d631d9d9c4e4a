<?php
/**
 * Moderation bridge: the part that runs on every request.
 *
 * - Sends the Akismet plugin's API requests to the moderation service instead of
 *   rest.akismet.com (a pre_http_request filter).
 * - Holds in WordPress's moderation queue a comment the service holds for review
 *   (its comment-check answers `X-Moderation-Status: pending`), on a new comment and on
 *   the Akismet plugin's re-check of a stored one.
 * - Receives the service's decisions on a signed webhook and applies them.
 * - Tells the service when a WordPress moderator approves a comment it held, and when
 *   one trashes or deletes it (submit-removed: the check leaves the service's queue).
 *
 * @package Moderation_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

final class Moderation_Bridge {

	public const VERSION = '0.1.0';

	public const OPTION_URL    = 'moderation_bridge_url';
	public const OPTION_SECRET = 'moderation_bridge_webhook_secret';

	/** Constants a site may define in wp-config.php instead of using the settings page. */
	public const CONSTANT_URL    = 'MODERATION_BRIDGE_URL';
	public const CONSTANT_SECRET = 'MODERATION_BRIDGE_WEBHOOK_SECRET';

	public const META_GUID       = 'moderation_guid';
	public const META_STATUS     = 'moderation_status';
	public const META_DECIDED_AT = 'moderation_decided_at';

	public const REST_NAMESPACE = 'moderation/v1';
	public const REST_ROUTE     = '/webhook';
	public const WEBHOOK_EVENT  = 'check.decided';

	/** What Akismet answers submit-spam and submit-ham with. */
	public const THANKS = 'Thanks for making the web a better place.';

	private const AKISMET_HOST = 'rest.akismet.com';

	/** True while this plug-in's own forwarded request is under way. */
	private static bool $forwarding = false;

	/** Above zero while a decision from the service's webhook is being applied. */
	private static int $applying_webhook = 0;

	/**
	 * Comment-checks answered in this request, newest last.
	 *
	 * @var list<array{guid: string, status: string, post_id: int, used: bool}>
	 */
	private static array $checks = array();

	/** Index in $checks of the check whose comment WordPress is about to insert. */
	private static ?int $awaiting_insert = null;

	/** A stored comment whose re-check the service answered pending, until Akismet is done with it. */
	private static ?int $held_recheck = null;

	public static function register(): void {
		add_filter( 'pre_http_request', array( self::class, 'intercept' ), 10, 3 );
		// Akismet's own pre_comment_approved filter runs at 10; its REST one at 1.
		add_filter( 'pre_comment_approved', array( self::class, 'hold_pending' ), 20, 2 );
		add_filter( 'rest_pre_insert_comment', array( self::class, 'hold_pending_rest' ), 20, 2 );
		// Akismet stores akismet_guid at 10; this runs after it.
		add_action( 'wp_insert_comment', array( self::class, 'remember_guid' ), 20, 2 );
		add_action( 'transition_comment_status', array( self::class, 'report_approval' ), 20, 3 );
		add_action( 'transition_comment_status', array( self::class, 'report_trash' ), 20, 3 );
		// Before WordPress deletes the comment and its meta (where the guid is).
		add_action( 'delete_comment', array( self::class, 'report_deletion' ), 10, 2 );
		add_action( 'rest_api_init', array( self::class, 'register_routes' ) );
		// Akismet's re-check approves a pending comment that comes back "false" when
		// check_comment() passes; manual moderation, for that one comment, keeps it held.
		add_filter( 'pre_option_comment_moderation', array( self::class, 'moderate_held_recheck' ) );
		add_action( 'deleted_comment_meta', array( self::class, 'recheck_done' ), 10, 3 );
	}

	/** Forget what this request has seen (for tests and long-running processes). */
	public static function reset(): void {
		self::$forwarding       = false;
		self::$applying_webhook = 0;
		self::$checks           = array();
		self::$awaiting_insert  = null;
		self::$held_recheck     = null;
	}

	// ------------------------------------------------------------------
	// Settings.
	// ------------------------------------------------------------------

	/** The service's base URL without a trailing slash, or '' when none (or a bad one) is set. */
	public static function service_url(): string {
		$value = defined( self::CONSTANT_URL ) ? constant( self::CONSTANT_URL ) : get_option( self::OPTION_URL, '' );
		return self::clean_service_url( is_string( $value ) ? $value : '' );
	}

	/** The shared secret of the webhook, or '' when none is set. */
	public static function webhook_secret(): string {
		$value = defined( self::CONSTANT_SECRET ) ? constant( self::CONSTANT_SECRET ) : get_option( self::OPTION_SECRET, '' );
		return is_string( $value ) ? trim( $value ) : '';
	}

	/** Whether the setting comes from wp-config.php (and the settings page may not change it). */
	public static function is_constant( string $name ): bool {
		return defined( $name );
	}

	/**
	 * An http(s) URL with a host, trimmed, without a trailing slash, query or fragment; '' otherwise.
	 * A URL on Akismet's own host is refused: requests to it are the ones being redirected.
	 */
	public static function clean_service_url( string $url ): string {
		$url   = trim( $url );
		$parts = '' === $url ? false : parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) || empty( $parts['scheme'] ) ) {
			return '';
		}
		$scheme = strtolower( $parts['scheme'] );
		if ( 'http' !== $scheme && 'https' !== $scheme ) {
			return '';
		}
		if ( null !== self::akismet_key_label( $parts['host'] ) ) {
			return '';
		}
		$clean = $scheme . '://' . $parts['host'];
		if ( isset( $parts['port'] ) ) {
			$clean .= ':' . $parts['port'];
		}
		$clean .= isset( $parts['path'] ) ? rtrim( $parts['path'], '/' ) : '';
		return $clean;
	}

	/** The API key the Akismet plugin uses (its constant or its option). */
	public static function akismet_key(): string {
		if ( class_exists( 'Akismet' ) && method_exists( 'Akismet', 'get_api_key' ) ) {
			$key = Akismet::get_api_key();
		} else {
			$key = defined( 'WPCOM_API_KEY' ) ? constant( 'WPCOM_API_KEY' ) : get_option( 'wordpress_api_key', '' );
		}
		return is_string( $key ) ? trim( $key ) : '';
	}

	// ------------------------------------------------------------------
	// Akismet → the service.
	// ------------------------------------------------------------------

	/**
	 * Which Akismet host a host name is: '' for rest.akismet.com, the key for
	 * <key>.rest.akismet.com, null for any other host.
	 */
	public static function akismet_key_label( string $host ): ?string {
		$host = rtrim( strtolower( trim( $host ) ), '.' );
		if ( self::AKISMET_HOST === $host ) {
			return '';
		}
		$suffix = '.' . self::AKISMET_HOST;
		if ( str_ends_with( $host, $suffix ) ) {
			$label = substr( $host, 0, -strlen( $suffix ) );
			if ( 1 === preg_match( '/^[a-z0-9-]+$/', $label ) ) {
				return $label;
			}
		}
		return null;
	}

	/**
	 * The pre_http_request filter: a request to Akismet's API is sent to the service
	 * (same method, path, query, body and headers, minus Host), and its answer is returned
	 * to the caller as if Akismet had given it.
	 *
	 * @param false|array|WP_Error $preempt What an earlier filter decided; false to go on.
	 * @param array                $args    The request's arguments.
	 * @param string               $url     The URL requested.
	 * @return false|array|WP_Error
	 */
	public static function intercept( $preempt, $args, $url ) {
		if ( false !== $preempt || self::$forwarding || ! is_string( $url ) || ! is_array( $args ) ) {
			return $preempt;
		}
		$target = self::akismet_target( $url, $args );
		if ( null === $target ) {
			return $preempt;
		}
		$endpoint = basename( $target['path'] );

		if ( self::$applying_webhook > 0 && ( 'submit-spam' === $endpoint || 'submit-ham' === $endpoint ) ) {
			// The change being reported came from the service: do not send it back.
			return self::thanks_response();
		}

		$service = self::service_url();
		if ( '' === $service ) {
			// Not set up yet: leave the Akismet plugin talking to Akismet.
			return $preempt;
		}

		$query = $target['query'];
		if ( '' !== $target['key'] && self::sends_no_body( $args ) ) {
			// An older Akismet plugin names the key only in the host (<key>.rest.akismet.com).
			$query = self::add_key_to_query( $query, $target['key'] );
		}
		$args = self::forwarded_args( $args, self::sends_no_body( $args ) ? '' : $target['key'], $endpoint );
		$to   = $service . $target['path'] . ( '' !== $query ? '?' . $query : '' );

		if ( 'comment-check' === $endpoint ) {
			self::$held_recheck = null;
		}
		self::$forwarding = true;
		try {
			$response = wp_remote_request( $to, $args );
		} finally {
			self::$forwarding = false;
		}

		if ( 'comment-check' === $endpoint && ! is_wp_error( $response ) ) {
			$response = self::note_check( $args['body'] ?? '', $response );
		}
		return $response;
	}

	/**
	 * The path, query and key of an Akismet API request, or null when the request is not for
	 * Akismet. The host of the URL counts, or (for a URL with an IP address, as the Akismet
	 * plugin's connectivity test sends) the Host header.
	 *
	 * @return array{path: string, query: string, key: string}|null
	 */
	private static function akismet_target( string $url, array $args ): ?array {
		$parts = parse_url( $url );
		if ( ! is_array( $parts ) || empty( $parts['host'] ) || empty( $parts['scheme'] ) ) {
			return null;
		}
		$scheme = strtolower( $parts['scheme'] );
		if ( 'http' !== $scheme && 'https' !== $scheme ) {
			return null;
		}
		$key = self::akismet_key_label( $parts['host'] );
		if ( null === $key ) {
			$host_header = self::header_value( self::headers_of( $args ), 'host' );
			$key         = null === $host_header ? null : self::akismet_key_label( preg_replace( '/:\d+$/', '', $host_header ) );
		}
		if ( null === $key ) {
			return null;
		}
		return array(
			'path'  => isset( $parts['path'] ) && '' !== $parts['path'] ? $parts['path'] : '/',
			'query' => $parts['query'] ?? '',
			'key'   => $key,
		);
	}

	/** The request arguments for the service: no Host or Content-Length, the key in the body, a guid on reports. */
	private static function forwarded_args( array $args, string $key, string $endpoint ): array {
		$headers = array();
		foreach ( self::headers_of( $args ) as $name => $value ) {
			$lower = strtolower( (string) $name );
			if ( 'host' !== $lower && 'content-length' !== $lower ) {
				$headers[ $name ] = $value;
			}
		}
		$headers['X-Moderation-Bridge'] = self::VERSION;
		$args['headers']                = $headers;

		$original = $args['body'] ?? null;
		$body     = $original;
		$fields   = self::parse_body( $body );
		if ( '' !== $key && empty( $fields['api_key'] ) && empty( $fields['key'] ) ) {
			// An older Akismet plugin names the key only in the host (<key>.rest.akismet.com).
			$body = self::add_field( $body, 'api_key', $key );
		}
		if ( ( 'submit-spam' === $endpoint || 'submit-ham' === $endpoint ) && empty( $fields['guid'] ) ) {
			$comment_id = isset( $fields['comment_ID'] ) ? (int) $fields['comment_ID'] : 0;
			$guid       = $comment_id > 0 ? self::guid_of( $comment_id ) : '';
			if ( '' !== $guid ) {
				$body = self::add_field( $body, 'guid', $guid );
			}
		}
		if ( $body !== $original ) {
			$args['body'] = $body;
		}
		return $args;
	}

	/** Whether the request is a GET or HEAD, whose fields travel in the query string. */
	private static function sends_no_body( array $args ): bool {
		$method = strtoupper( is_string( $args['method'] ?? null ) ? $args['method'] : 'GET' );
		return 'GET' === $method || 'HEAD' === $method;
	}

	/** The query string with api_key=<key>, unless it already names a key. */
	private static function add_key_to_query( string $query, string $key ): string {
		$fields = array();
		parse_str( $query, $fields );
		if ( ! empty( $fields['api_key'] ) || ! empty( $fields['key'] ) ) {
			return $query;
		}
		return $query . ( '' === $query ? '' : '&' ) . 'api_key=' . rawurlencode( $key );
	}

	/**
	 * Remember what the service said about a comment-check: its guid and its three-way status.
	 *
	 * A re-check of a stored comment (its body names comment_ID: the Akismet plugin's cron
	 * retry, or "Check for Spam") updates that comment at once. When the service holds it,
	 * the comment must stay in WordPress's moderation queue, but Akismet knows only "true"
	 * (it spams the comment) and "false" (it approves it if check_comment() passes). So the
	 * answer Akismet sees is "false", and until Akismet is done with the comment (it deletes
	 * akismet_rechecking) comment_moderation reads 1, which makes check_comment() fail.
	 *
	 * @param mixed $body
	 * @param array $response
	 * @return array The response for the caller.
	 */
	private static function note_check( $body, $response ) {
		if ( 200 !== (int) wp_remote_retrieve_response_code( $response ) ) {
			return $response;
		}
		$guid   = self::first_header( wp_remote_retrieve_header( $response, 'x-akismet-guid' ) );
		$status = strtolower( self::first_header( wp_remote_retrieve_header( $response, 'x-moderation-status' ) ) );
		if ( ! in_array( $status, array( 'approved', 'pending', 'rejected' ), true ) ) {
			$status = '';
		}
		if ( '' === $guid && '' === $status ) {
			return $response;
		}
		$fields     = self::parse_body( $body );
		$comment_id = isset( $fields['comment_ID'] ) ? (int) $fields['comment_ID'] : 0;
		if ( $comment_id > 0 ) {
			self::store_check( $comment_id, $guid, $status );
			if ( 'pending' === $status ) {
				self::$held_recheck = $comment_id;
				if ( 'true' === trim( wp_remote_retrieve_body( $response ) ) ) {
					// Held here is not spam there (MODERATION_AKISMET_UNCERTAIN_ANSWER=true).
					$response['body'] = 'false';
				}
			}
			return $response;
		}
		self::$checks[] = array(
			'guid'    => $guid,
			'status'  => $status,
			'post_id' => isset( $fields['comment_post_ID'] ) ? (int) $fields['comment_post_ID'] : 0,
			'used'    => false,
		);
		return $response;
	}

	/**
	 * pre_option_comment_moderation: 1 while the Akismet plugin finishes the re-check of a
	 * comment the service holds, so its check_comment() fails and the comment stays pending.
	 *
	 * @param mixed $pre
	 * @return mixed
	 */
	public static function moderate_held_recheck( $pre ) {
		return null === self::$held_recheck ? $pre : '1';
	}

	/**
	 * deleted_comment_meta: Akismet deletes akismet_rechecking when it is done with a comment.
	 *
	 * @param mixed $meta_ids
	 * @param mixed $comment_id
	 * @param mixed $meta_key
	 */
	public static function recheck_done( $meta_ids, $comment_id, $meta_key = '' ): void {
		if ( 'akismet_rechecking' === $meta_key && (int) $comment_id === self::$held_recheck ) {
			self::$held_recheck = null;
		}
	}

	/** Index of the check that decided this comment: by the guid Akismet copied into it, else the latest for its post. */
	private static function find_check( array $commentdata ): ?int {
		$guid = isset( $commentdata['akismet_guid'] ) && is_string( $commentdata['akismet_guid'] ) ? $commentdata['akismet_guid'] : '';
		$post = isset( $commentdata['comment_post_ID'] ) ? (int) $commentdata['comment_post_ID'] : 0;
		for ( $i = count( self::$checks ) - 1; $i >= 0; $i-- ) {
			$check = self::$checks[ $i ];
			if ( $check['used'] ) {
				continue;
			}
			if ( '' !== $guid && '' !== $check['guid'] ) {
				if ( $guid === $check['guid'] ) {
					return $i;
				}
				continue;
			}
			if ( $post === $check['post_id'] ) {
				return $i;
			}
		}
		return null;
	}

	/**
	 * pre_comment_approved, after Akismet's: a comment the service holds for review is held
	 * here too, whatever WordPress or Akismet made of it. WordPress's own errors (flood,
	 * duplicate) and its disallowed list (trash) still win.
	 *
	 * @param int|string|WP_Error $approved
	 * @param array               $commentdata
	 * @return int|string|WP_Error
	 */
	public static function hold_pending( $approved, $commentdata ) {
		if ( is_wp_error( $approved ) || 'trash' === $approved || ! is_array( $commentdata ) ) {
			return $approved;
		}
		$index = self::find_check( $commentdata );
		if ( null === $index ) {
			return $approved;
		}
		self::$awaiting_insert = $index;
		return 'pending' === self::$checks[ $index ]['status'] ? 0 : $approved;
	}

	/**
	 * rest_pre_insert_comment, after Akismet's: the REST API decides approval before Akismet
	 * checks, so a held comment is held here.
	 *
	 * @param array|WP_Error $prepared
	 * @param mixed          $request
	 * @return array|WP_Error
	 */
	public static function hold_pending_rest( $prepared, $request = null ) {
		if ( ! is_array( $prepared ) ) {
			return $prepared;
		}
		$index = self::find_check( $prepared );
		if ( null === $index ) {
			return $prepared;
		}
		self::$awaiting_insert = $index;
		$current               = $prepared['comment_approved'] ?? 1;
		if ( 'pending' === self::$checks[ $index ]['status'] && 'trash' !== $current && ! is_wp_error( $current ) ) {
			$prepared['comment_approved'] = 0;
		}
		return $prepared;
	}

	/**
	 * wp_insert_comment: store the guid of the check with the new comment, found by the
	 * akismet_guid Akismet stored, else by the comment whose approval was just decided.
	 *
	 * @param int|string $id
	 * @param mixed      $comment
	 */
	public static function remember_guid( $id, $comment = null ): void {
		$id = (int) $id;
		if ( $id <= 0 || ! self::$checks ) {
			return;
		}
		$index        = null;
		$akismet_guid = get_comment_meta( $id, 'akismet_guid', true );
		if ( is_string( $akismet_guid ) && '' !== $akismet_guid ) {
			foreach ( self::$checks as $i => $check ) {
				if ( ! $check['used'] && $check['guid'] === $akismet_guid ) {
					$index = $i;
				}
			}
		}
		if ( null === $index && null !== self::$awaiting_insert && ! self::$checks[ self::$awaiting_insert ]['used'] ) {
			$post = is_object( $comment ) && isset( $comment->comment_post_ID ) ? (int) $comment->comment_post_ID : -1;
			if ( self::$checks[ self::$awaiting_insert ]['post_id'] === $post ) {
				$index = self::$awaiting_insert;
			}
		}
		if ( null === $index ) {
			return;
		}
		self::$checks[ $index ]['used'] = true;
		self::$awaiting_insert          = null;
		self::store_check( $id, self::$checks[ $index ]['guid'], self::$checks[ $index ]['status'] );
	}

	private static function store_check( int $comment_id, string $guid, string $status ): void {
		if ( '' !== $guid ) {
			update_comment_meta( $comment_id, self::META_GUID, $guid );
		}
		if ( '' !== $status ) {
			update_comment_meta( $comment_id, self::META_STATUS, $status );
		}
	}

	/** The service's guid for a comment: moderation_guid, else the akismet_guid Akismet stored from the same answer. */
	public static function guid_of( int $comment_id ): string {
		foreach ( array( self::META_GUID, 'akismet_guid' ) as $key ) {
			$value = get_comment_meta( $comment_id, $key, true );
			if ( is_string( $value ) && '' !== $value ) {
				return $value;
			}
		}
		return '';
	}

	// ------------------------------------------------------------------
	// WordPress → the service.
	// ------------------------------------------------------------------

	/**
	 * transition_comment_status: a moderator approving a comment held for review tells the
	 * service (submit-ham with the guid). Akismet reports spam → approved itself, and
	 * anything → spam as submit-spam; it says nothing on unapproved → approved.
	 *
	 * @param string $new_status
	 * @param string $old_status
	 * @param mixed  $comment
	 */
	public static function report_approval( $new_status, $old_status, $comment ): void {
		if ( 'approved' !== $new_status || 'unapproved' !== $old_status || ! is_object( $comment ) ) {
			return;
		}
		if ( self::$applying_webhook > 0 || ( defined( 'WP_IMPORTING' ) && WP_IMPORTING ) ) {
			return;
		}
		$comment_id = (int) ( $comment->comment_ID ?? 0 );
		$guid       = $comment_id > 0 ? self::guid_of( $comment_id ) : '';
		if ( '' === $guid || '' === self::service_url() ) {
			return;
		}
		if ( ! current_user_can( 'moderate_comments' ) && ! current_user_can( 'edit_comment', $comment_id ) ) {
			return;
		}
		if ( class_exists( 'Akismet' ) && method_exists( 'Akismet', 'submit_nonspam_comment' ) ) {
			// Akismet builds the full report (as first submitted) and records it in the
			// comment's history; the request comes through intercept(), which adds the guid.
			Akismet::submit_nonspam_comment( $comment_id );
		} else {
			self::send_ham( $comment, $guid );
		}
		update_comment_meta( $comment_id, self::META_STATUS, 'approved' );
	}

	/**
	 * transition_comment_status: a moderator trashing a comment the service holds
	 * (unapproved → trash) removes it there too. Spam is Akismet's submit-spam.
	 *
	 * @param string $new_status
	 * @param string $old_status
	 * @param mixed  $comment
	 */
	public static function report_trash( $new_status, $old_status, $comment ): void {
		if ( 'trash' === $new_status && 'unapproved' === $old_status && is_object( $comment ) ) {
			self::report_removed( (int) ( $comment->comment_ID ?? 0 ) );
		}
	}

	/**
	 * delete_comment: a moderator deleting a pending comment the service holds for good
	 * (without the trash) removes it there too.
	 *
	 * @param int|string $comment_id
	 * @param mixed      $comment
	 */
	public static function report_deletion( $comment_id, $comment = null ): void {
		$comment = is_object( $comment ) ? $comment : get_comment( $comment_id );
		if ( is_object( $comment ) && '0' === (string) ( $comment->comment_approved ?? '' ) ) {
			self::report_removed( (int) $comment_id );
		}
	}

	/**
	 * Tell the service that a WordPress moderator removed a comment it holds
	 * (POST /1.1/submit-removed with the check's guid): its check is rejected as removed
	 * (not spam, so no training label) and leaves the service's queue. Only for a check
	 * still pending there, a moderator's action, and not a change the webhook is applying.
	 */
	private static function report_removed( int $comment_id ): void {
		if ( $comment_id <= 0 || self::$applying_webhook > 0 || ( defined( 'WP_IMPORTING' ) && WP_IMPORTING ) ) {
			return;
		}
		if ( 'pending' !== get_comment_meta( $comment_id, self::META_STATUS, true ) ) {
			return;
		}
		$guid = self::guid_of( $comment_id );
		if ( '' === $guid || '' === self::service_url() ) {
			return;
		}
		if ( ! current_user_can( 'moderate_comments' ) && ! current_user_can( 'edit_comment', $comment_id ) ) {
			return;
		}
		$fields = array(
			'api_key'    => self::akismet_key(),
			'blog'       => (string) get_option( 'home' ),
			'guid'       => $guid,
			'comment_ID' => (string) $comment_id,
		);
		if ( function_exists( 'wp_get_current_user' ) ) {
			$user = wp_get_current_user();
			if ( is_object( $user ) && ! empty( $user->user_login ) ) {
				$fields['reporter'] = (string) $user->user_login;
			}
		}
		$response = wp_remote_post(
			self::service_url() . '/1.1/submit-removed',
			array(
				'body'    => http_build_query( $fields, '', '&' ),
				'headers' => array(
					'Content-Type'        => 'application/x-www-form-urlencoded; charset=' . get_option( 'blog_charset' ),
					'X-Moderation-Bridge' => self::VERSION,
				),
				'timeout' => 15,
			)
		);
		if ( ! is_wp_error( $response ) && 200 === (int) wp_remote_retrieve_response_code( $response ) ) {
			update_comment_meta( $comment_id, self::META_STATUS, 'rejected' );
		}
	}

	/** submit-ham straight to the service, for a site without the Akismet plugin loaded. */
	private static function send_ham( object $comment, string $guid ): void {
		$post_id = (int) ( $comment->comment_post_ID ?? 0 );
		$fields  = array(
			'api_key'              => self::akismet_key(),
			'blog'                 => (string) get_option( 'home' ),
			'blog_charset'         => (string) get_option( 'blog_charset' ),
			'user_ip'              => (string) ( $comment->comment_author_IP ?? '' ),
			'user_agent'           => (string) ( $comment->comment_agent ?? '' ),
			'comment_type'         => (string) ( $comment->comment_type ?? 'comment' ),
			'comment_author'       => (string) ( $comment->comment_author ?? '' ),
			'comment_author_email' => (string) ( $comment->comment_author_email ?? '' ),
			'comment_author_url'   => (string) ( $comment->comment_author_url ?? '' ),
			'comment_content'      => (string) ( $comment->comment_content ?? '' ),
			'comment_date_gmt'     => (string) ( $comment->comment_date_gmt ?? '' ),
			'comment_ID'           => (string) ( $comment->comment_ID ?? '' ),
			'guid'                 => $guid,
		);
		if ( function_exists( 'get_permalink' ) && $post_id > 0 ) {
			$fields['permalink'] = (string) get_permalink( $post_id );
		}
		if ( function_exists( 'wp_get_current_user' ) ) {
			$user = wp_get_current_user();
			if ( is_object( $user ) && ! empty( $user->user_login ) ) {
				$fields['reporter'] = (string) $user->user_login;
			}
		}
		wp_remote_post(
			self::service_url() . '/1.1/submit-ham',
			array(
				'body'    => http_build_query( $fields, '', '&' ),
				'headers' => array(
					'Content-Type'        => 'application/x-www-form-urlencoded; charset=' . get_option( 'blog_charset' ),
					'X-Moderation-Bridge' => self::VERSION,
				),
				'timeout' => 15,
			)
		);
	}

	// ------------------------------------------------------------------
	// The service → WordPress.
	// ------------------------------------------------------------------

	public static function register_routes(): void {
		register_rest_route(
			self::REST_NAMESPACE,
			self::REST_ROUTE,
			array(
				'methods'             => 'POST',
				'callback'            => array( self::class, 'receive_webhook' ),
				// Anyone may call it; the signature (checked first thing) is the permission.
				'permission_callback' => '__return_true',
			)
		);
	}

	/** Whether `sha256=<hex>` is the HMAC-SHA256 of the body with the secret. */
	public static function signature_ok( string $secret, string $body, string $header ): bool {
		$header = strtolower( trim( $header ) );
		if ( '' === $secret || ! str_starts_with( $header, 'sha256=' ) ) {
			return false;
		}
		return hash_equals( 'sha256=' . hash_hmac( 'sha256', $body, $secret ), $header );
	}

	/**
	 * POST /wp-json/moderation/v1/webhook: a decision taken in the service.
	 *
	 * @param WP_REST_Request $request
	 */
	public static function receive_webhook( $request ): WP_REST_Response {
		$secret = self::webhook_secret();
		if ( '' === $secret ) {
			return self::answer( 503, 'moderation_bridge_not_configured', 'No webhook secret is set in Settings → Moderation bridge.' );
		}
		$body      = (string) $request->get_body();
		$signature = (string) $request->get_header( 'x_moderation_signature' );
		if ( ! self::signature_ok( $secret, $body, $signature ) ) {
			return self::answer( 401, 'moderation_bad_signature', 'X-Moderation-Signature does not match the body.' );
		}

		$payload = json_decode( $body, true );
		if ( ! is_array( $payload ) || ! isset( $payload['event'] ) || ! is_string( $payload['event'] ) ) {
			return self::answer( 400, 'moderation_bad_payload', 'The body is not a JSON event.' );
		}
		if ( self::WEBHOOK_EVENT !== $payload['event'] ) {
			return new WP_REST_Response(
				array(
					'ok'      => true,
					'ignored' => $payload['event'],
				),
				202
			);
		}
		$data      = isset( $payload['data'] ) && is_array( $payload['data'] ) ? $payload['data'] : array();
		$guid      = isset( $data['guid'] ) && is_string( $data['guid'] ) ? trim( $data['guid'] ) : '';
		$status    = isset( $data['status'] ) && is_string( $data['status'] ) ? $data['status'] : '';
		$rejection = isset( $data['rejection'] ) && is_string( $data['rejection'] ) ? $data['rejection'] : null;
		$target    = self::wordpress_status( $status, $rejection );
		if ( '' === $guid || null === $target ) {
			return self::answer( 400, 'moderation_bad_payload', 'data.guid and data.status (approved, rejected or pending) are required.' );
		}

		$comment_id = self::find_comment( $guid );
		if ( 0 === $comment_id ) {
			return self::answer( 404, 'moderation_unknown_guid', 'No comment has this guid.' );
		}

		$at      = self::timestamp( $payload['at'] ?? null );
		$last_at = self::timestamp( get_comment_meta( $comment_id, self::META_DECIDED_AT, true ) );
		if ( null !== $at && null !== $last_at && $at < $last_at ) {
			// A retried delivery of an older decision: the newer one stands.
			return self::applied( $comment_id, $target, false, 'stale' );
		}

		$changed = false;
		$current = wp_get_comment_status( $comment_id );
		if ( self::same_status( $current, $target ) ) {
			$result = true;
		} else {
			++self::$applying_webhook;
			try {
				$result = wp_set_comment_status( $comment_id, $target );
			} finally {
				--self::$applying_webhook;
			}
			$changed = true;
		}
		if ( true !== $result ) {
			return self::answer( 500, 'moderation_not_applied', 'WordPress did not change the comment\'s status.' );
		}
		update_comment_meta( $comment_id, self::META_STATUS, $status );
		if ( is_string( $payload['at'] ?? null ) && null !== $at ) {
			update_comment_meta( $comment_id, self::META_DECIDED_AT, $payload['at'] );
		}
		return self::applied( $comment_id, $target, $changed, null );
	}

	/** The wp_set_comment_status() value for a decision, or null for one that is not understood. */
	public static function wordpress_status( string $status, ?string $rejection ): ?string {
		switch ( $status ) {
			case 'approved':
				return 'approve';
			case 'pending':
				return 'hold';
			case 'rejected':
				return 'spam' === $rejection ? 'spam' : 'trash';
			default:
				return null;
		}
	}

	/** Whether wp_get_comment_status()'s answer already is the wp_set_comment_status() target. */
	private static function same_status( $current, string $target ): bool {
		$as_current = array(
			'approve' => 'approved',
			'hold'    => 'unapproved',
			'spam'    => 'spam',
			'trash'   => 'trash',
		);
		return is_string( $current ) && ( $as_current[ $target ] ?? '' ) === $current;
	}

	/** The ID of the comment with this guid (moderation_guid, else akismet_guid), or 0. */
	private static function find_comment( string $guid ): int {
		foreach ( array( self::META_GUID, 'akismet_guid' ) as $key ) {
			$ids = get_comments(
				array(
					'meta_key'                  => $key,
					'meta_value'                => $guid,
					'status'                    => 'any',
					'type'                      => '',
					'fields'                    => 'ids',
					'number'                    => 1,
					'orderby'                   => 'comment_ID',
					'order'                     => 'DESC',
					'no_found_rows'             => true,
					'update_comment_meta_cache' => false,
				)
			);
			if ( is_array( $ids ) && $ids ) {
				return (int) $ids[0];
			}
		}
		return 0;
	}

	private static function timestamp( $value ): ?float {
		if ( ! is_string( $value ) || '' === trim( $value ) ) {
			return null;
		}
		try {
			return (float) ( new DateTimeImmutable( $value ) )->format( 'U.u' );
		} catch ( Exception $e ) {
			return null;
		}
	}

	private static function answer( int $status, string $code, string $message ): WP_REST_Response {
		return new WP_REST_Response(
			array(
				'code'    => $code,
				'message' => $message,
			),
			$status
		);
	}

	private static function applied( int $comment_id, string $target, bool $changed, ?string $note ): WP_REST_Response {
		$data = array(
			'ok'         => true,
			'comment_id' => $comment_id,
			'status'     => $target,
			'changed'    => $changed,
		);
		if ( null !== $note ) {
			$data['note'] = $note;
		}
		return new WP_REST_Response( $data, 200 );
	}

	// ------------------------------------------------------------------
	// Small helpers.
	// ------------------------------------------------------------------

	/** Akismet's answer to a report, without a request. */
	private static function thanks_response(): array {
		$headers = array(
			'content-type'        => 'text/plain; charset=utf-8',
			'x-moderation-bridge' => 'not sent: the change came from the service',
		);
		if ( class_exists( 'WpOrg\Requests\Utility\CaseInsensitiveDictionary' ) ) {
			$headers = new WpOrg\Requests\Utility\CaseInsensitiveDictionary( $headers );
		} elseif ( class_exists( 'Requests_Utility_CaseInsensitiveDictionary' ) ) {
			$headers = new Requests_Utility_CaseInsensitiveDictionary( $headers );
		}
		return array(
			'headers'  => $headers,
			'body'     => self::THANKS,
			'response' => array(
				'code'    => 200,
				'message' => 'OK',
			),
			'cookies'  => array(),
			'filename' => null,
		);
	}

	/** The request's headers as name => value (WordPress allows a raw header string too). */
	private static function headers_of( array $args ): array {
		$headers = $args['headers'] ?? array();
		if ( is_array( $headers ) ) {
			return $headers;
		}
		$parsed = array();
		if ( is_string( $headers ) ) {
			foreach ( preg_split( '/\r?\n/', $headers ) as $line ) {
				$pair = explode( ':', $line, 2 );
				if ( 2 === count( $pair ) && '' !== trim( $pair[0] ) ) {
					$parsed[ trim( $pair[0] ) ] = trim( $pair[1] );
				}
			}
		}
		return $parsed;
	}

	private static function header_value( array $headers, string $name ): ?string {
		foreach ( $headers as $key => $value ) {
			if ( strtolower( (string) $key ) === $name ) {
				return self::first_header( $value );
			}
		}
		return null;
	}

	/** A header's value as one string (WordPress gives an array for a repeated header). */
	private static function first_header( $value ): string {
		if ( is_array( $value ) ) {
			$value = reset( $value );
		}
		return is_scalar( $value ) ? trim( (string) $value ) : '';
	}

	/** The fields of a form-encoded body (or of a body given as an array). */
	private static function parse_body( $body ): array {
		if ( is_array( $body ) ) {
			return $body;
		}
		if ( ! is_string( $body ) || '' === $body ) {
			return array();
		}
		$fields = array();
		parse_str( $body, $fields );
		return $fields;
	}

	/** The body with one more field, appended so that the rest stays byte for byte as sent. */
	private static function add_field( $body, string $name, string $value ) {
		if ( is_array( $body ) ) {
			$body[ $name ] = $value;
			return $body;
		}
		$body = is_string( $body ) ? $body : '';
		return $body . ( '' === $body ? '' : '&' ) . rawurlencode( $name ) . '=' . rawurlencode( $value );
	}
}
