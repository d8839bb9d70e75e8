using KmsSignature.Core.Signing;

namespace KmsSignature.Core.Tests.Signing;

public sealed class SignaturePathClaimsTests
{
    [Fact]
    public void The_first_input_keeps_a_signature_path_and_a_later_one_is_refused_with_itself_as_target()
    {
        var dir = Path.Combine(Path.GetTempPath(), "claims");
        var claims = new SignaturePathClaims();
        claims.Claim(Path.Combine(dir, "a", "x.txt"), Path.Combine(dir, "sigs", "x.txt.sig"));
        claims.Claim(Path.Combine(dir, "a", "y.txt"), Path.Combine(dir, "sigs", "y.txt.sig"));

        // The same file spelled another way is the same claim.
        var ex = Assert.Throws<KmsSignatureException>(() =>
            claims.Claim(Path.Combine(dir, "b", "x.txt"), Path.Combine(dir, "sigs", "..", "sigs", "x.txt.sig")));

        Assert.Equal("KmsSignature.DuplicateSignaturePath", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Equal(Path.Combine(dir, "b", "x.txt"), ex.Target);
        Assert.Contains(Path.Combine(dir, "a", "x.txt"), ex.Message, StringComparison.Ordinal);
    }

    // x and x.sig in one run, either order: one input's signature file would replace the other input.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_input_that_is_another_inputs_signature_file_is_refused(bool signatureFirst)
    {
        var dir = Path.Combine(Path.GetTempPath(), "claims");
        var file = Path.Combine(dir, "x");
        var signature = Path.Combine(dir, "x.sig");
        var claims = new SignaturePathClaims();
        if (signatureFirst)
        {
            claims.Claim(signature, signature + ".sig");
        }
        else
        {
            claims.Claim(file, signature);
        }

        var ex = Assert.Throws<KmsSignatureException>(() =>
        {
            if (signatureFirst)
            {
                claims.Claim(file, signature);
            }
            else
            {
                claims.Claim(signature, signature + ".sig");
            }
        });

        Assert.Equal("KmsSignature.DuplicateSignaturePath", ex.ErrorId);
        Assert.Equal(signatureFirst ? file : signature, ex.Target);
        claims.Claim(Path.Combine(dir, "y"), Path.Combine(dir, "y.sig")); // unrelated inputs still go through
    }

    // Signature files are written through a symbolic link to the file it names, so a link to another input of the run, or
    // to a signature file already claimed, is that file.
    [Fact]
    public void A_signature_path_that_is_a_link_to_an_input_or_to_a_claimed_signature_file_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("claims-").FullName;
        try
        {
            var claims = new SignaturePathClaims();
            claims.Claim(Path.Combine(dir, "a.txt"), Path.Combine(dir, "a.txt.sig"));
            File.CreateSymbolicLink(Path.Combine(dir, "b.txt.sig"), "a.txt");
            File.CreateSymbolicLink(Path.Combine(dir, "c.txt.sig"), "a.txt.sig");

            var toInput = Assert.Throws<KmsSignatureException>(() => claims.Claim(Path.Combine(dir, "b.txt"), Path.Combine(dir, "b.txt.sig")));
            var toSignature = Assert.Throws<KmsSignatureException>(() => claims.Claim(Path.Combine(dir, "c.txt"), Path.Combine(dir, "c.txt.sig")));

            Assert.Equal("KmsSignature.DuplicateSignaturePath", toInput.ErrorId);
            Assert.Equal(Path.Combine(dir, "b.txt"), toInput.Target);
            Assert.Equal("KmsSignature.DuplicateSignaturePath", toSignature.ErrorId);
            Assert.Equal(Path.Combine(dir, "c.txt"), toSignature.Target);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
